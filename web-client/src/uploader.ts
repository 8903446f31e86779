import type { UploadInstructions, UploadView } from '@hoist/server/wire'
import { HoistApi, type ApiClientOptions } from './api-client.js'
import { CHECKSUM_MAX_BYTES, sha256Base64 } from './checksum.js'
import { HoistUploadError, UploadCancelledError } from './errors.js'
import { multipartStrategy, type MultipartOptions } from './multipart.js'
import { ProgressTracker, type UploadProgress } from './progress.js'
import { defaultResumeStore, fingerprintOf, type ResumeStore } from './resume-store.js'
import { withRetry, type RetryOptions } from './retry.js'
import { singlePutStrategy } from './single-put.js'
import type { UploadStrategy } from './strategy.js'
import { defaultTransport, type PutTransport } from './transport.js'

export interface UploaderOptions extends ApiClientOptions {
  /** Back-off for network errors, 5xx and 429 (4xx are never retried). */
  retry?: RetryOptions
  /** Multipart tuning: parts in flight (default 4) and part URLs per signing request (default 20). */
  multipart?: Omit<MultipartOptions, 'transport'>
  /** How a presigned PUT is sent. Default: XMLHttpRequest in browsers (progress), fetch elsewhere. */
  transport?: PutTransport
  /** Where interrupted multipart uploads are remembered. Default: localStorage, else memory. */
  resumeStore?: ResumeStore
  /** Extra or replacement strategies, by the API's `strategy` answer. */
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
  /**
   * Uploads one file straight to the bucket and resolves to the confirmed record (with its final URL). A large
   * file that was interrupted (page reload, crash, lost network) resumes where it stopped when uploaded again.
   */
  upload(file: Blob, options?: UploadOptions): Promise<UploadView>
  readonly api: HoistApi
}

export function createUploader(options: UploaderOptions): Uploader {
  const api = new HoistApi(options)
  const transport = options.transport ?? defaultTransport()
  const resumeStore = options.resumeStore ?? defaultResumeStore()
  const strategies = new Map<string, UploadStrategy>()
  for (const strategy of [
    singlePutStrategy(transport),
    multipartStrategy({ ...options.multipart, transport }),
    ...(options.strategies ?? []),
  ]) {
    strategies.set(strategy.name, strategy)
  }
  const retry = options.retry ?? {}

  /** A pending multipart upload of this same file, if one was interrupted. */
  async function resumable(fingerprint: string, size: number): Promise<UploadInstructions | undefined> {
    const id = resumeStore.get(fingerprint)
    if (!id) return undefined
    const record = await api.get(id).catch(() => undefined)
    if (record?.status !== 'pending' || record.strategy !== 'multipart' || record.size !== size || !record.partSize || !record.partCount) {
      resumeStore.delete(fingerprint)
      return undefined
    }
    return { id, key: record.key, strategy: 'multipart', partSize: record.partSize, partCount: record.partCount, expiresAt: record.expiresAt }
  }

  async function upload(file: Blob, uploadOptions: UploadOptions = {}): Promise<UploadView> {
    // One controller per upload: the caller's signal and our own clean-up both end up here.
    const controller = new AbortController()
    const outer = uploadOptions.signal
    if (outer?.aborted) throw new UploadCancelledError()
    const forward = (): void => controller.abort()
    outer?.addEventListener('abort', forward, { once: true })
    const { signal } = controller
    const filename = uploadOptions.filename ?? (file as File).name ?? 'unnamed'
    const contentType = uploadOptions.contentType ?? (file.type || 'application/octet-stream')
    const fingerprint = fingerprintOf(file, filename)
    const progress = new ProgressTracker(file.size, uploadOptions.onProgress)
    let instructions: UploadInstructions | undefined
    try {
      instructions = await resumable(fingerprint, file.size)
      if (!instructions) {
        const wantsChecksum = uploadOptions.checksum ?? file.size <= CHECKSUM_MAX_BYTES
        const checksum = wantsChecksum ? await sha256Base64(file) : undefined
        instructions = await withRetry(
          () => api.createUpload({ filename, contentType, size: file.size, ...(checksum ? { checksum } : {}) }, signal),
          { ...retry, signal },
        )
        if (instructions.strategy === 'multipart') resumeStore.set(fingerprint, instructions.id)
      }
      const strategy = strategies.get(instructions.strategy)
      if (!strategy) throw new HoistUploadError('UNSUPPORTED_STRATEGY', `This client cannot do ${instructions.strategy} uploads`)
      await strategy.run({ api, file, instructions, progress, signal, retry })
      const id = instructions.id
      const record = await withRetry(() => api.confirm(id, signal), { ...retry, signal })
      resumeStore.delete(fingerprint)
      progress.complete(0, file.size)
      return record
    } catch (error) {
      if (signal.aborted) {
        // A cancelled upload is discarded on the server: no pending record, no object or parts left behind.
        resumeStore.delete(fingerprint)
        if (instructions) await api.remove(instructions.id).catch(() => undefined)
        throw new UploadCancelledError()
      }
      // A failed multipart upload stays pending so the same file resumes; a single PUT starts over anyway.
      if (instructions?.strategy === 'single') await api.remove(instructions.id).catch(() => undefined)
      if (error instanceof HoistUploadError && error.code === 'UPLOAD_REJECTED') resumeStore.delete(fingerprint)
      throw error
    } finally {
      outer?.removeEventListener('abort', forward)
    }
  }

  return { upload, api }
}
