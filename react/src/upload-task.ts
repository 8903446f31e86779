import {
  UploadCancelledError,
  type HoistUploadError,
  type Uploader,
  type UploadOptions,
  type UploadProgress,
  type UploadView,
} from '@hoist/web-client'

/**
 * `quarantined`: uploaded and verified, held for the malware scan (the server's SCAN=clamav) — it has no URL yet; the
 * app hears `upload.confirmed` (or `upload.rejected`, reason `malware`) when the scan ends.
 */
export type UploadStatus = 'idle' | 'uploading' | 'confirmed' | 'quarantined' | 'error' | 'cancelled'

/** Where one upload stands; what the hooks render from. */
export interface UploadState {
  status: UploadStatus
  /** Never backwards, never past `total`; `fraction` is 0..1. */
  progress: UploadProgress
  /**
   * Why it failed: a `HoistUploadError` with the API's `code` and `message` (e.g. CONTENT_TYPE_NOT_ALLOWED, "Files of
   * type text/plain are not accepted…"), or a network or storage error — or whatever your `getToken` threw.
   */
  error: HoistUploadError | Error | undefined
  /** The record as confirm answered it: `record.url` is the file's permanent URL once confirmed. */
  record: UploadView | undefined
}

/** Per-upload options: the hooks own `signal` and `onProgress`. */
export type UploadRequest = Omit<UploadOptions, 'signal' | 'onProgress'>

export const IDLE: UploadState = {
  status: 'idle',
  progress: { loaded: 0, total: 0, fraction: 0 },
  error: undefined,
  record: undefined,
}

/** One run of `uploader.upload`, with its own AbortController; reports each change of state (never synchronously). */
export class UploadTask {
  state: UploadState
  readonly done: Promise<UploadView | undefined>
  readonly #controller = new AbortController()

  constructor(
    uploader: Uploader,
    readonly file: Blob,
    readonly request: UploadRequest | undefined,
    private readonly onChange: (state: UploadState) => void,
  ) {
    this.state = { ...IDLE, status: 'uploading', progress: { loaded: 0, total: file.size, fraction: 0 } }
    this.done = this.#run(uploader)
  }

  /** Aborts the transfer; the upload is discarded on the server. */
  cancel(): void {
    this.#controller.abort()
  }

  async #run(uploader: Uploader): Promise<UploadView | undefined> {
    try {
      const record = await uploader.upload(this.file, {
        ...this.request,
        signal: this.#controller.signal,
        onProgress: (progress) => this.#set({ progress }),
      })
      this.#set({
        status: record.status === 'quarantined' ? 'quarantined' : 'confirmed',
        record,
        progress: { loaded: this.file.size, total: this.file.size, fraction: 1 },
      })
      return record
    } catch (error) {
      if (error instanceof UploadCancelledError) this.#set({ status: 'cancelled' })
      else this.#set({ status: 'error', error: error as Error })
      return undefined
    }
  }

  #set(change: Partial<UploadState>): void {
    // Nothing changes once the upload has ended (a late progress report, a cancel after confirm).
    if (this.state.status !== 'uploading') return
    this.state = { ...this.state, ...change }
    this.onChange(this.state)
  }
}
