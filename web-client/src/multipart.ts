/**
 * Multipart transfer: parts in parallel, each retried on its own; part URLs signed in batches and signed again when
 * they expire (progress is kept); parts already in the bucket (a resume) are skipped. The server chose the plan and
 * signs each part's exact size; it completes the upload from the bucket's own part list at confirm.
 */
import { partLength, type PartPlan } from '@hoist/protocol/part-plan'
import { HoistUploadError } from './errors.js'
import { isTransient, withRetry } from './retry.js'
import type { TransferContext } from './strategy.js'

export interface MultipartOptions {
  /** Parts in flight at once. Default 4. */
  concurrency?: number
  /** Part URLs asked for per request. Default 20. */
  signBatchSize?: number
}

/** The upload to finish: the server's plan, and what the bucket already holds (empty for a new upload). */
export interface MultipartTransfer extends PartPlan {
  id: string
  size: number
  uploaded: { partNumber: number; size: number }[]
}

interface SignedUrl {
  url: string
  headers: Record<string, string>
  size: number
  /** When to sign again: a margin before the server's expiry, for clock skew and slow starts. */
  renewAt: number
}

/** Up to 30 s, and at most a quarter of the URL's life, before it expires. */
function renewalTime(signedAt: number, expiresAt: number): number {
  return expiresAt - Math.min(30_000, (expiresAt - signedAt) / 4)
}

function isExpiredUrlError(error: unknown): boolean {
  return error instanceof HoistUploadError && error.code === 'UPLOAD_URL_EXPIRED'
}

export async function putMultipart(
  context: TransferContext,
  transfer: MultipartTransfer,
  options: MultipartOptions = {},
): Promise<void> {
  const { api, file, transport, progress, signal, retry } = context
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const batchSize = Math.max(1, Math.min(100, options.signBatchSize ?? 20))
  const { id, partCount } = transfer

  // Whatever the bucket already holds in full is done.
  const done = new Map<number, number>()
  for (const part of transfer.uploaded) {
    if (part.partNumber <= partCount && part.size === partLength(transfer.size, transfer, part.partNumber)) {
      done.set(part.partNumber, part.size)
    }
  }
  progress.completeAll(done)
  const queue: number[] = []
  for (let partNumber = 1; partNumber <= partCount; partNumber++) if (!done.has(partNumber)) queue.push(partNumber)

  const urls = new Map<number, SignedUrl>()
  let signing: Promise<void> | undefined
  const signAhead = async (needed: number): Promise<void> => {
    // One signing request at a time; it covers the needed part and the next ones in the queue.
    while (signing) await signing
    const fresh = urls.get(needed)
    if (fresh && fresh.renewAt > Date.now()) return
    const batch = [needed, ...queue.filter((n) => n !== needed && !urls.has(n)).slice(0, batchSize - 1)]
    signing = (async () => {
      const signedAt = Date.now()
      const signed = await withRetry(() => api.signParts(id, batch, signal), { ...retry, signal })
      const renewAt = renewalTime(signedAt, Date.parse(signed.expiresAt))
      for (const part of signed.parts)
        urls.set(part.partNumber, { url: part.url, headers: part.headers, size: part.size, renewAt })
    })()
    try {
      await signing
    } finally {
      signing = undefined
    }
  }
  const urlFor = async (partNumber: number): Promise<SignedUrl> => {
    const cached = urls.get(partNumber)
    if (!cached || cached.renewAt <= Date.now()) await signAhead(partNumber)
    return urls.get(partNumber)!
  }

  const uploadPart = async (partNumber: number): Promise<void> => {
    let size = 0
    await withRetry(
      async () => {
        const signed = await urlFor(partNumber)
        const start = (partNumber - 1) * transfer.partSize
        const body = file.slice(start, start + signed.size)
        size = body.size
        await transport(signed.url, signed.headers, body, {
          signal,
          onProgress: (loaded) => progress.update(partNumber, loaded),
        })
      },
      {
        ...retry,
        signal,
        // The URL died while the part waited or crawled: sign it again and go on.
        retryIf: (error) => isTransient(error) || isExpiredUrlError(error),
        onRetry: (error) => {
          if (isExpiredUrlError(error)) urls.delete(partNumber)
        },
      },
    )
    progress.complete(partNumber, size)
  }

  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await uploadPart(next)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length || 1) }, worker))
}
