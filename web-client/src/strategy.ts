import type { HoistApi } from './api-client.js'
import type { ProgressTracker } from './progress.js'
import type { RetryOptions } from './retry.js'
import type { PutTransport } from './transport.js'

/** What moving one file's bytes needs; the uploader presigns before and confirms after. */
export interface TransferContext {
  api: HoistApi
  file: Blob
  transport: PutTransport
  progress: ProgressTracker
  signal: AbortSignal
  retry: RetryOptions
}
