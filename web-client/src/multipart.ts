/**
 * The multipart strategy: parts in parallel, each retried on its own; part URLs signed in batches and signed
 * again when they expire (progress is kept); on resume, parts already in the bucket are skipped. The server
 * completes the upload from the bucket's own part list at confirm, so the client keeps no ETags.
 */
import { HoistUploadError } from './errors.js'
import { withRetry } from './retry.js'
import type { StrategyContext, UploadStrategy } from './strategy.js'
import type { PutTransport } from './transport.js'

export interface MultipartOptions {
  /** Parts in flight at once. Default 4. */
  concurrency?: number
  /** Part URLs asked for per request. Default 20. */
  signBatchSize?: number
  transport: PutTransport
}

interface SignedUrl {
  url: string
  headers: Record<string, string>
  /** When to sign again: a margin before the server's expiry, for clock skew and slow starts. */
  renewAt: number
}

/** Up to 30 s, and at most a quarter of the URL's life, before it expires. */
function renewalTime(signedAt: number, expiresAt: number): number {
  return expiresAt - Math.min(30_000, (expiresAt - signedAt) / 4)
}

export function isExpiredUrlError(error: unknown): boolean {
  return error instanceof HoistUploadError && error.status === 403 && /expired/i.test(error.message)
}

export function multipartStrategy(options: MultipartOptions): UploadStrategy {
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const batchSize = Math.max(1, Math.min(100, options.signBatchSize ?? 20))

  return {
    name: 'multipart',
    async run({ api, file, instructions, progress, signal, retry }: StrategyContext): Promise<void> {
      if (instructions.strategy !== 'multipart') throw new Error('multipartStrategy needs multipart instructions')
      const { id, partSize, partCount } = instructions
      const sizeOf = (partNumber: number): number => (partNumber < partCount ? partSize : file.size - partSize * (partCount - 1))

      // Resume: whatever the bucket already holds in full is done.
      const uploaded = await withRetry(() => api.listParts(id, signal), { ...retry, signal })
      const done = new Map<number, number>()
      for (const part of uploaded.parts) {
        if (part.partNumber <= partCount && part.size === sizeOf(part.partNumber)) done.set(part.partNumber, part.size)
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
          for (const part of signed.parts) urls.set(part.partNumber, { url: part.url, headers: part.headers, renewAt })
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
        const start = (partNumber - 1) * partSize
        const body = file.slice(start, start + sizeOf(partNumber))
        await withRetry(
          async () => {
            const { url, headers } = await urlFor(partNumber)
            try {
              await options.transport(url, headers, body, { signal, onProgress: (loaded) => progress.update(partNumber, loaded) })
            } catch (error) {
              if (!isExpiredUrlError(error)) throw error
              // The URL died while the part waited or crawled: sign it again and go on.
              urls.delete(partNumber)
              throw new HoistUploadError('URL_EXPIRED', 'The part URL expired; signing it again', 503)
            }
          },
          { ...retry, signal },
        )
        progress.complete(partNumber, body.size)
      }

      const worker = async (): Promise<void> => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await uploadPart(next)
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length || 1) }, worker))
    },
  }
}
