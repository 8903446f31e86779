import { BasePlugin, EventManager, type PluginOpts, type Uppy, type UppyFile } from '@uppy/core'
import { filterFilesToEmitUploadStarted, filterFilesToUpload } from '@uppy/core/utils'
import {
  createUploader,
  HoistUploadError,
  UploadCancelledError,
  type HoistErrorCode,
  type Metadata,
  type UploaderOptions,
  type UploadView,
} from '@hoist/web-client'
import { limiter } from './limit.js'
import { defaultStorage, fileResumeStore, type KeyValueStorage } from './resume-store.js'

/** What `file.response.body` holds after `upload-success`: the confirmed Hoist record. */
export type HoistBody = UploadView

type Meta = Record<string, unknown>

export interface HoistUploadOptions extends PluginOpts, Omit<UploaderOptions, 'resumeStore'> {
  /** Files uploaded at once (each multipart file also sends `multipart.concurrency` parts at once). Default 3. */
  limit?: number
  /**
   * Which `file.meta` fields become the upload's Hoist metadata (strings; up to 16, see the API's limits).
   * Default: none. Set global ones with `uppy.setMeta({ stepId })`, per file with `uppy.setFileMeta(id, …)`.
   */
  allowedMetaFields?: string[]
  /** Where interrupted multipart uploads are remembered, by Uppy file id. Default: localStorage, else memory. */
  storage?: KeyValueStorage
}

/**
 * Failures of the plugin's own: Uppy gave it no bytes (a ghost), a file from a remote provider, or something that was
 * not a HoistUploadError (e.g. what your getToken threw).
 */
type PluginErrorCode = 'FILE_DATA_MISSING' | 'REMOTE_FILE_UNSUPPORTED' | 'CLIENT_ERROR'

/**
 * An `upload-error` as Uppy shows it: the message is the API's (or the network's). `code` is the API's error code
 * (or a client one, see HoistUploadError), and `cause` the HoistUploadError with its `status` and `details`.
 */
export class HoistUppyError extends Error {
  override readonly name = 'HoistUppyError'

  constructor(
    readonly code: HoistErrorCode | PluginErrorCode,
    message: string,
    override readonly cause?: HoistUploadError,
  ) {
    super(message)
  }

  static from(error: HoistUploadError): HoistUppyError {
    return new HoistUppyError(error.code, error.message, error)
  }
}

/**
 * Uppy 6 uploader plugin: each file goes straight to the bucket through the Hoist API (a presigned PUT, or multipart
 * parts in parallel), is confirmed by the API, and `upload-success` carries the confirmed record. A multipart upload
 * that was interrupted resumes — parts already in the bucket are not sent again — when the same Uppy file is
 * uploaded again (retry, Golden Retriever's restore, or the user picking the same file after a reload).
 * Removing a file or cancelling all aborts its transfer and discards the upload on the server.
 */
export class HoistUpload<M extends Meta = Meta> extends BasePlugin<HoistUploadOptions, M, HoistBody> {
  static VERSION = '0.1.0'

  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>
  readonly #storage: KeyValueStorage

  constructor(uppy: Uppy<M, HoistBody>, options: HoistUploadOptions) {
    super(uppy, options)
    this.id = options.id ?? 'HoistUpload'
    this.type = 'uploader'
    this.#limit = limiter(Math.max(1, options.limit ?? 3))
    this.#storage = options.storage ?? defaultStorage()
  }

  override install(): void {
    this.uppy.addUploader(this.#handleUpload)
  }

  override uninstall(): void {
    this.uppy.removeUploader(this.#handleUpload)
  }

  readonly #handleUpload = async (fileIDs: string[]): Promise<void> => {
    const files = filterFilesToUpload(this.uppy.getFilesByIds(fileIDs)) as UppyFile<M, HoistBody>[]
    this.uppy.emit('upload-start', filterFilesToEmitUploadStarted(files))
    await Promise.allSettled(files.map((file) => this.#limit(() => this.#uploadFile(file))))
  }

  #metadataOf(file: UppyFile<M, HoistBody>): Metadata | undefined {
    const fields = this.opts.allowedMetaFields ?? []
    const entries = fields.flatMap((field) => {
      const value = file.meta[field]
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? [[field, String(value)] as const]
        : []
    })
    return entries.length > 0 ? Object.fromEntries(entries) : undefined
  }

  async #uploadFile(file: UppyFile<M, HoistBody>): Promise<void> {
    if (!this.uppy.getFile(file.id)) return // removed while it waited for its turn
    if (file.isRemote) {
      const error = new HoistUppyError('REMOTE_FILE_UNSUPPORTED', 'Files from remote providers are not supported')
      this.uppy.emit('upload-error', file, error)
      return
    }
    if (!file.data) {
      // A ghost: Golden Retriever kept its state but not its bytes (files over 10 MiB). The user picks it again.
      this.uppy.emit(
        'upload-error',
        file,
        new HoistUppyError('FILE_DATA_MISSING', 'Select this file again to resume it'),
      )
      return
    }
    const controller = new AbortController()
    const events = new EventManager(this.uppy)
    events.onFileRemove(file.id, () => controller.abort())
    events.onCancelAll(file.id, () => controller.abort())
    const uploadStarted = file.progress.uploadStarted ?? Date.now()
    const {
      limit: _limit,
      allowedMetaFields: _fields,
      storage: _storage,
      id: _id,
      locale: _locale,
      ...options
    } = this.opts
    const uploader = createUploader({ ...options, resumeStore: fileResumeStore(this.#storage, file.id) })
    const metadata = this.#metadataOf(file)
    try {
      const record = await uploader.upload(file.data, {
        signal: controller.signal,
        filename: file.meta.name,
        contentType: file.meta.type ?? file.type,
        ...(metadata ? { metadata } : {}),
        onProgress: ({ loaded, total }) =>
          this.uppy.emit('upload-progress', this.uppy.getFile(file.id), {
            uploadStarted,
            bytesUploaded: loaded,
            bytesTotal: total,
          }),
      })
      this.uppy.emit('upload-success', this.uppy.getFile(file.id), {
        status: 200,
        body: record,
        ...(record.url ? { uploadURL: record.url } : {}),
      })
    } catch (error) {
      if (error instanceof UploadCancelledError) return // removed or cancelled: Uppy already forgot the file
      const reported =
        error instanceof HoistUploadError
          ? HoistUppyError.from(error)
          : new HoistUppyError('CLIENT_ERROR', (error as Error).message)
      this.uppy.emit('upload-error', this.uppy.getFile(file.id), reported)
    } finally {
      events.remove()
    }
  }
}
