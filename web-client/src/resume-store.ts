/** Where an interrupted multipart upload is remembered, so choosing the same file again resumes it. */
export interface ResumeStore {
  get(fingerprint: string): ResumeEntry | undefined
  set(fingerprint: string, entry: ResumeEntry): void
  delete(fingerprint: string): void
  /** Every interrupted upload remembered here (a page can offer to resume them). */
  list(): { fingerprint: string; entry: ResumeEntry }[]
}

export interface ResumeEntry {
  uploadId: string
  /** The file's name, to show in a list of interrupted uploads. */
  filename: string
  size: number
}

const PREFIX = 'hoist:resume:'

/** localStorage survives a page reload (and a browser restart); without it, memory only. */
export function defaultResumeStore(): ResumeStore {
  const storage = typeof localStorage === 'undefined' ? undefined : localStorage
  if (!storage) return memoryResumeStore()
  const read = (key: string): ResumeEntry | undefined => {
    try {
      const entry = JSON.parse(storage.getItem(key) ?? 'null') as ResumeEntry | null
      return entry && typeof entry.uploadId === 'string' ? entry : undefined
    } catch {
      return undefined // an entry from an older version, or edited by hand
    }
  }
  return {
    get: (fingerprint) => read(PREFIX + fingerprint),
    set: (fingerprint, entry) => storage.setItem(PREFIX + fingerprint, JSON.stringify(entry)),
    delete: (fingerprint) => storage.removeItem(PREFIX + fingerprint),
    list: () =>
      Object.keys(storage)
        .filter((key) => key.startsWith(PREFIX))
        .flatMap((key) => {
          const entry = read(key)
          return entry ? [{ fingerprint: key.slice(PREFIX.length), entry }] : []
        }),
  }
}

export function memoryResumeStore(): ResumeStore {
  const entries = new Map<string, ResumeEntry>()
  return {
    get: (fingerprint) => entries.get(fingerprint),
    set: (fingerprint, entry) => void entries.set(fingerprint, entry),
    delete: (fingerprint) => void entries.delete(fingerprint),
    list: () => [...entries].map(([fingerprint, entry]) => ({ fingerprint, entry })),
  }
}

/** Identifies "the same file" across reloads without reading it: name, size, type and modification time. */
export function fingerprintOf(file: Blob, filename: string): string {
  const modified = (file as File).lastModified ?? 0
  return [filename, file.size, file.type, modified].join(':')
}
