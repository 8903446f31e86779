import type { SingleInstructions } from '@hoist/protocol'
import { withRetry } from './retry.js'
import type { TransferContext } from './strategy.js'

/** One presigned PUT of the whole file, retried on network errors, 5xx and 429. */
export async function putSingle(
  { file, transport, progress, signal, retry }: TransferContext,
  instructions: SingleInstructions,
): Promise<void> {
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
}
