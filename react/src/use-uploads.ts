import type { Uploader } from '@hoist/web-client'
import { useCallback, useEffect, useRef, useState } from 'react'
import { useUploader } from './context.js'
import { UploadTask, type UploadRequest, type UploadState } from './upload-task.js'

export interface UploadItem extends UploadState {
  /** Stable for the item's life: a React key, and what cancel/retry/remove take. */
  id: string
  file: Blob
  /** The file's name (or the `filename` asked for). */
  name: string
}

export interface UseUploads {
  /** In the order they were added. */
  items: UploadItem[]
  /** Starts uploading each file at once; `request` may depend on the file (e.g. its metadata). Returns the new ids. */
  add: (files: Iterable<Blob> | ArrayLike<Blob>, request?: UploadRequest | ((file: Blob) => UploadRequest)) => string[]
  /** Aborts one upload; it is discarded on the server and its item stays, `cancelled`. */
  cancel: (id: string) => void
  /** Uploads an item's file again (a multipart upload resumes where it stopped). */
  retry: (id: string) => void
  /** Drops an item from the list, cancelling it if it is still uploading. */
  remove: (id: string) => void
}

let nextId = 0

/** A list of uploads, each with the state `useUpload` has. Unmounting cancels those in flight. */
export function useUploads(options: { uploader?: Uploader } = {}): UseUploads {
  const uploader = useUploader(options.uploader)
  const [items, setItems] = useState<UploadItem[]>([])
  const tasks = useRef(new Map<string, UploadTask>())

  useEffect(() => {
    const running = tasks.current
    return () => running.forEach((task) => task.cancel())
  }, [])

  const start = useCallback(
    (id: string, file: Blob, request: UploadRequest | undefined): UploadTask => {
      const task: UploadTask = new UploadTask(uploader, file, request, (state) => {
        if (tasks.current.get(id) !== task) return
        setItems((list) => list.map((item) => (item.id === id ? { ...item, ...state } : item)))
      })
      tasks.current.set(id, task)
      return task
    },
    [uploader],
  )

  const add = useCallback(
    (files: Iterable<Blob> | ArrayLike<Blob>, request?: UploadRequest | ((file: Blob) => UploadRequest)) => {
      const added = Array.from(files, (file) => {
        const id = `upload-${++nextId}`
        const fileRequest = typeof request === 'function' ? request(file) : request
        const name = fileRequest?.filename ?? (file as File).name ?? 'unnamed'
        return { id, file, name, ...start(id, file, fileRequest).state }
      })
      setItems((list) => [...list, ...added])
      return added.map((item) => item.id)
    },
    [start],
  )
  const cancel = useCallback((id: string) => tasks.current.get(id)?.cancel(), [])
  const retry = useCallback(
    (id: string) => {
      const previous = tasks.current.get(id)
      if (!previous || previous.state.status === 'uploading') return
      const { state } = start(id, previous.file, previous.request)
      setItems((list) => list.map((item) => (item.id === id ? { ...item, ...state } : item)))
    },
    [start],
  )
  const remove = useCallback((id: string) => {
    tasks.current.get(id)?.cancel()
    tasks.current.delete(id)
    setItems((list) => list.filter((item) => item.id !== id))
  }, [])

  return { items, add, cancel, retry, remove }
}
