import type { UploadInstructions } from '@hoist/server/wire'
import type { HoistApi } from './api-client.js'
import type { ProgressTracker } from './progress.js'
import type { RetryOptions } from './retry.js'

/**
 * How the bytes of one file reach the bucket, chosen by the API's answer (`strategy`): a single presigned PUT,
 * or multipart. A strategy moves bytes only; the uploader presigns before and confirms after.
 */
export interface UploadStrategy {
  readonly name: UploadInstructions['strategy']
  run(context: StrategyContext): Promise<void>
}

export interface StrategyContext {
  api: HoistApi
  file: Blob
  instructions: UploadInstructions
  progress: ProgressTracker
  signal: AbortSignal
  retry: RetryOptions
}
