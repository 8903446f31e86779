import { withRetry } from './retry.js'
import type { StrategyContext, UploadStrategy } from './strategy.js'
import type { PutTransport } from './transport.js'

/** One presigned PUT of the whole file, retried on network errors, 5xx and 429. */
export function singlePutStrategy(transport: PutTransport): UploadStrategy {
  return {
    name: 'single',
    async run({ file, instructions, progress, signal, retry }: StrategyContext): Promise<void> {
      if (instructions.strategy !== 'single') throw new Error('singlePutStrategy needs single-PUT instructions')
      await withRetry(
        () =>
          transport(instructions.url, instructions.headers, file, {
            signal,
            onProgress: (loaded) => progress.update(0, loaded),
            // If-None-Match: * makes a repeat of a PUT that landed (its answer lost) a 412: the file is there.
            acceptStatus: (status) => status === 412,
          }),
        { ...retry, signal },
      )
      progress.complete(0, file.size)
    },
  }
}
