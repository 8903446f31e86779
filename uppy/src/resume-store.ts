import type { ResumeEntry, ResumeStore } from '@hoist/web-client'

const PREFIX = 'hoist:uppy:'

/** Where a plugin remembers interrupted multipart uploads: the browser's localStorage, else memory. */
export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

function memoryStorage(): KeyValueStorage {
  const values = new Map<string, string>()
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  }
}

export function defaultStorage(): KeyValueStorage {
  return typeof localStorage === 'undefined' ? memoryStorage() : localStorage
}

/**
 * A ResumeStore holding one entry: the interrupted upload of one Uppy file, keyed by the Uppy file id.
 *
 * Why not the web client's own store (keyed by name, size, type and modification time of the Blob): Uppy decides
 * what "the same file" is, by its file id — the id Golden Retriever restores and a re-selected ghost is matched
 * by — and a Blob restored from IndexedDB need not keep its File's modification time.
 */
export function fileResumeStore(storage: KeyValueStorage, fileId: string): ResumeStore {
  const key = PREFIX + fileId
  const read = (): ResumeEntry | undefined => {
    try {
      const entry = JSON.parse(storage.getItem(key) ?? 'null') as ResumeEntry | null
      return entry && typeof entry.uploadId === 'string' ? entry : undefined
    } catch {
      return undefined
    }
  }
  return {
    get: () => read(),
    set: (_fingerprint, entry) => storage.setItem(key, JSON.stringify(entry)),
    delete: () => storage.removeItem(key),
    list: () => {
      const entry = read()
      return entry ? [{ fingerprint: fileId, entry }] : []
    },
  }
}
