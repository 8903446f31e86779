/** @hoist/uppy: an Uppy 6 uploader plugin that sends files straight to the bucket through the Hoist API. */
export { HoistUpload, HoistUppyError, type HoistBody, type HoistUploadOptions } from './hoist-upload.js'
export type { KeyValueStorage } from './resume-store.js'
