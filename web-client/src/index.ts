/** @hoist/web-client: uploads files from the browser straight to the bucket through the Hoist API. */
export { createUploader, type Uploader, type UploaderOptions, type UploadOptions } from './uploader.js'
export { HoistApi, type ApiClientOptions } from './api-client.js'
export { HoistUploadError, UploadCancelledError, type ClientErrorCode, type HoistErrorCode } from './errors.js'
export { fetchPut, type PutTransport, type PutOptions } from './transport.js'
export { memoryResumeStore, type ResumeEntry, type ResumeStore } from './resume-store.js'
export { fallbackUrl, imageSources, placeholderDataUrl, type ImageSource, type ResponsiveOptions } from './picture.js'
export type { MultipartOptions } from './multipart.js'
export type { RetryOptions } from './retry.js'
export type { UploadProgress } from './progress.js'
export type {
  ErrorCode,
  EventList,
  ImageVariant,
  Metadata,
  UploadEvent,
  UploadInstructions,
  UploadView,
} from '@hoist/protocol'
