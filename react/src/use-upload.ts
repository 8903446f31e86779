import type { Uploader, UploadView } from '@hoist/web-client'
import { useCallback, useEffect, useRef, useState } from 'react'
import { useUploader } from './context.js'
import { IDLE, UploadTask, type UploadRequest, type UploadState } from './upload-task.js'

export interface UseUploadOptions {
  /** Default: the HoistProvider's. */
  uploader?: Uploader
}

export interface UseUpload extends UploadState {
  /**
   * Uploads a file (cancelling one still in flight) and resolves to the confirmed record, or to undefined if it
   * failed or was cancelled — the state says which. It never rejects.
   */
  upload: (file: Blob, request?: UploadRequest) => Promise<UploadView | undefined>
  /** Aborts the upload in flight; it is discarded on the server. */
  cancel: () => void
  /** The last file again, with the same options: an interrupted multipart upload resumes where it stopped. */
  retry: () => Promise<UploadView | undefined>
}

/** One upload at a time: status, progress, error and the confirmed record. Unmounting cancels an upload in flight. */
export function useUpload(options: UseUploadOptions = {}): UseUpload {
  const uploader = useUploader(options.uploader)
  const [state, setState] = useState<UploadState>(IDLE)
  const current = useRef<UploadTask | undefined>(undefined)

  useEffect(() => () => current.current?.cancel(), [])

  const upload = useCallback(
    (file: Blob, request?: UploadRequest) => {
      current.current?.cancel()
      const task: UploadTask = new UploadTask(uploader, file, request, (next) => {
        if (current.current === task) setState(next)
      })
      current.current = task
      setState(task.state)
      return task.done
    },
    [uploader],
  )
  const cancel = useCallback(() => current.current?.cancel(), [])
  const retry = useCallback(async () => {
    const last = current.current
    return last ? upload(last.file, last.request) : undefined
  }, [upload])

  return { ...state, upload, cancel, retry }
}
