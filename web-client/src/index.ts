/** @hoist/web-client: uploads files from the browser straight to the bucket through the Hoist API. */
export { createUploader, type Uploader, type UploaderOptions, type UploadOptions } from './uploader.js'
export { HoistApi, type ApiClientOptions } from './api-client.js'
export { HoistUploadError, UploadCancelledError } from './errors.js'
export { fetchPut, type PutTransport, type PutOptions, type PutResult } from './transport.js'
export { memoryResumeStore, type ResumeStore } from './resume-store.js'
export type { UploadProgress } from './progress.js'
export type { UploadStrategy, StrategyContext } from './strategy.js'
export type { UploadView, UploadInstructions } from '@hoist/server/wire'
