import { mimeEssence, type Metadata, type UploadView, type Visibility } from '@hoist/protocol'
import { HoistApi, type ApiClientOptions } from './api-client.js'
import { CHECKSUM_MAX_BYTES, sha256Base64 } from './checksum.js'
import { HoistUploadError, UploadCancelledError } from './errors.js'
import { putMultipart, type MultipartOptions, type MultipartTransfer } from './multipart.js'
import { ProgressTracker, type UploadProgress } from './progress.js'
import { defaultResumeStore, fingerprintOf, type ResumeStore } from './resume-store.js'
import { withRetry, type RetryOptions } from './retry.js'
import { putSingle } from './single-put.js'
import type { TransferContext } from './strategy.js'
import { defaultTransport, type PutTransport } from './transport.js'

export interface UploaderOptions extends ApiClientOptions {
  /** Back-off for network errors, 5xx and 429 (4xx are never retried). */
  retry?: RetryOptions
  /** Multipart tuning: parts in flight (default 4) and part URLs per signing request (default 20). */
  multipart?: MultipartOptions
  /** How a presigned PUT is sent. Default: XMLHttpRequest in browsers (progress), fetch elsewhere. */
  transport?: PutTransport
  /** Where interrupted multipart uploads are remembered. Default: localStorage, else memory. */
  resumeStore?: ResumeStore
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
  /** What your app needs to know about the file (e.g. the block it belongs to); in every view and webhook. */
  metadata?: Metadata
  /** `'private'`: never publicly readable, no `url` in the record; read it with `api.download(id)`. Default public. */
  visibility?: Visibility
}

export interface Uploader {
  /**
   * Uploads one file straight to the bucket and resolves to the confirmed record (with its final URL). A large
   * file that was interrupted (page reload, crash, lost network) resumes where it stopped when uploaded again.
   */
  upload(file: Blob, options?: UploadOptions): Promise<UploadView>
  readonly api: HoistApi
  /** Interrupted multipart uploads this browser remembers, to offer a resume. */
  readonly resumeStore: ResumeStore
}

export function createUploader(options: UploaderOptions): Uploader {
  const api = new HoistApi(options)
  const transport = options.transport ?? defaultTransport()
  const resumeStore = options.resumeStore ?? defaultResumeStore()
  const retry = options.retry ?? {}

  /** A pending multipart upload of this same file, if one was interrupted: its plan and the parts in the bucket. */
  async function resumable(
    fingerprint: string,
    size: number,
    signal: AbortSignal,
  ): Promise<MultipartTransfer | undefined> {
    const remembered = resumeStore.get(fingerprint)
    if (!remembered) return undefined
    const progress = await api.multipartProgress(remembered.uploadId, signal).catch(() => undefined)
    if (!progress || progress.size !== size) {
      resumeStore.delete(fingerprint)
      return undefined
    }
    return { ...progress, uploaded: progress.parts }
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
    const contentType = mimeEssence(uploadOptions.contentType ?? (file.type || 'application/octet-stream'))
    const fingerprint = fingerprintOf(file, filename)
    const progress = new ProgressTracker(file.size, uploadOptions.onProgress)
    const context: TransferContext = { api, file, transport, progress, signal, retry }
    let id: string | undefined
    let single = false
    try {
      const resumed = await resumable(fingerprint, file.size, signal)
      if (resumed) {
        id = resumed.id
        await putMultipart(context, resumed, options.multipart)
      } else {
        const wantsChecksum = uploadOptions.checksum ?? file.size <= CHECKSUM_MAX_BYTES
        const checksum = wantsChecksum ? await sha256Base64(file) : undefined
        const instructions = await withRetry(
          () =>
            api.createUpload(
              {
                filename,
                contentType,
                size: file.size,
                ...(checksum ? { checksum } : {}),
                ...(uploadOptions.metadata ? { metadata: uploadOptions.metadata } : {}),
                ...(uploadOptions.visibility ? { visibility: uploadOptions.visibility } : {}),
              },
              signal,
            ),
          { ...retry, signal },
        )
        id = instructions.id
        if (instructions.strategy === 'single') {
          single = true
          await putSingle(context, instructions)
        } else {
          resumeStore.set(fingerprint, { uploadId: instructions.id, filename, size: file.size })
          await putMultipart(context, { ...instructions, size: file.size, uploaded: [] }, options.multipart)
        }
      }
      const confirmedId = id
      const record = await withRetry(() => api.confirm(confirmedId, signal), { ...retry, signal })
      resumeStore.delete(fingerprint)
      progress.complete(0, file.size)
      return record
    } catch (error) {
      if (signal.aborted) {
        // A cancelled upload is discarded on the server: no pending record, no object or parts left behind.
        resumeStore.delete(fingerprint)
        if (id) await api.remove(id).catch(() => undefined)
        throw new UploadCancelledError()
      }
      // A failed multipart upload stays pending so the same file resumes; a single PUT starts over anyway.
      if (single && id) await api.remove(id).catch(() => undefined)
      if (error instanceof HoistUploadError && error.code === 'UPLOAD_REJECTED') resumeStore.delete(fingerprint)
      throw error
    } finally {
      outer?.removeEventListener('abort', forward)
    }
  }

  return { upload, api, resumeStore }
}
