import type { UploadView } from '@hoist/server/wire'
import { HoistApi, type ApiClientOptions } from './api-client.js'
import { CHECKSUM_MAX_BYTES, sha256Base64 } from './checksum.js'
import { HoistUploadError, UploadCancelledError } from './errors.js'
import { ProgressTracker, type UploadProgress } from './progress.js'
import { withRetry, type RetryOptions } from './retry.js'
import { singlePutStrategy } from './single-put.js'
import type { UploadStrategy } from './strategy.js'

export interface UploaderOptions extends ApiClientOptions {
  /** Back-off for network errors, 5xx and 429 (4xx are never retried). */
  retry?: RetryOptions
  /** Strategies by the API's `strategy` answer; the multipart one plugs in here. */
  strategies?: UploadStrategy[]
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void
  /** Aborting cancels the transfer and discards the upload on the server. */
  signal?: AbortSignal
  /** Defaults to the File's name. */
  filename?: string
  /** Defaults to the File's type. */
  contentType?: string
  /** SHA-256 checked by S3 at PUT. Default: on for files up to 32 MiB. */
  checksum?: boolean
}

export interface Uploader {
  /** Uploads one file straight to the bucket and resolves to the confirmed record (with its final URL). */
  upload(file: Blob, options?: UploadOptions): Promise<UploadView>
  readonly api: HoistApi
}

export function createUploader(options: UploaderOptions): Uploader {
  const api = new HoistApi(options)
  const strategies = new Map<string, UploadStrategy>([[singlePutStrategy.name, singlePutStrategy]])
  for (const strategy of options.strategies ?? []) strategies.set(strategy.name, strategy)
  const retry = options.retry ?? {}

  async function upload(file: Blob, uploadOptions: UploadOptions = {}): Promise<UploadView> {
    // One controller per upload: the caller's signal and our own clean-up both end up here.
    const controller = new AbortController()
    const outer = uploadOptions.signal
    if (outer?.aborted) throw new UploadCancelledError()
    const forward = (): void => controller.abort()
    outer?.addEventListener('abort', forward, { once: true })
    const { signal } = controller
    const filename = uploadOptions.filename ?? (file as File).name ?? 'unnamed'
    const contentType = uploadOptions.contentType ?? file.type
    const progress = new ProgressTracker(file.size, uploadOptions.onProgress)
    let uploadId: string | undefined
    try {
      const wantsChecksum = uploadOptions.checksum ?? file.size <= CHECKSUM_MAX_BYTES
      const checksum = wantsChecksum ? await sha256Base64(file) : undefined
      const instructions = await withRetry(
        () => api.createUpload({ filename, contentType, size: file.size, ...(checksum ? { checksum } : {}) }, signal),
        { ...retry, signal },
      )
      uploadId = instructions.id
      const strategy = strategies.get(instructions.strategy)
      if (!strategy) throw new HoistUploadError('UNSUPPORTED_STRATEGY', `This client cannot do ${instructions.strategy} uploads`)
      await strategy.run({ api, file, instructions, progress, signal, retry })
      const record = await withRetry(() => api.confirm(instructions.id, signal), { ...retry, signal })
      progress.complete(0, file.size)
      return record
    } catch (error) {
      if (signal.aborted) {
        // A cancelled upload is discarded on the server: no pending record, no object left behind.
        if (uploadId) await api.remove(uploadId).catch(() => undefined)
        throw new UploadCancelledError()
      }
      throw error
    } finally {
      outer?.removeEventListener('abort', forward)
    }
  }

  return { upload, api }
}
