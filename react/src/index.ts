/** @hoist/react: React hooks for uploads through the Hoist API (React 18 and 19). */
export { HoistProvider, useUploader, type HoistProviderProps } from './context.js'
export { useUpload, type UseUpload, type UseUploadOptions } from './use-upload.js'
export { useUploads, type UploadItem, type UseUploads } from './use-uploads.js'
export type { UploadRequest, UploadState, UploadStatus } from './upload-task.js'
export { createUploader, HoistUploadError, type Uploader, type UploadView } from '@hoist/web-client'
