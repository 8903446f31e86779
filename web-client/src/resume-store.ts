/** Where an interrupted multipart upload is remembered, so choosing the same file again resumes it. */
export interface ResumeStore {
  get(fingerprint: string): string | undefined
  set(fingerprint: string, uploadId: string): void
  delete(fingerprint: string): void
}

const PREFIX = 'hoist:resume:'

/** localStorage survives a page reload (and a browser restart); without it, memory only. */
export function defaultResumeStore(): ResumeStore {
  const storage = typeof localStorage === 'undefined' ? undefined : localStorage
  if (!storage) return memoryResumeStore()
  return {
    get: (fingerprint) => storage.getItem(PREFIX + fingerprint) ?? undefined,
    set: (fingerprint, uploadId) => storage.setItem(PREFIX + fingerprint, uploadId),
    delete: (fingerprint) => storage.removeItem(PREFIX + fingerprint),
  }
}

export function memoryResumeStore(): ResumeStore {
  const entries = new Map<string, string>()
  return {
    get: (fingerprint) => entries.get(fingerprint),
    set: (fingerprint, uploadId) => void entries.set(fingerprint, uploadId),
    delete: (fingerprint) => void entries.delete(fingerprint),
  }
}

/** Identifies "the same file" across reloads without reading it: name, size, type and modification time. */
export function fingerprintOf(file: Blob, filename: string): string {
  const modified = (file as File).lastModified ?? 0
  return [filename, file.size, file.type, modified].join(':')
}
