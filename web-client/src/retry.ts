import { HoistUploadError, UploadCancelledError } from './errors.js'

export interface RetryOptions {
  /** Attempts in all, the first included. Default 6 (about 8 to 16 s of waiting: enough to ride out a redeploy). */
  attempts?: number
  /** First back-off delay; doubles each time, with jitter. Default 500 ms. */
  baseDelayMs?: number
  maxDelayMs?: number
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UploadCancelledError())
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new UploadCancelledError())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The default: what can succeed later — network errors, 5xx, 429 and UPLOAD_BUSY. */
export const isTransient = (error: unknown): boolean => error instanceof HoistUploadError && error.retryable

/**
 * Runs `attempt` until it succeeds, retrying what `retryIf` allows (default: `HoistUploadError.retryable`) with
 * exponential back-off and "equal jitter" (half the delay fixed, half random: spread out, but never a string of
 * near-zero waits that gives up before a restarting server is back). A cancel, anything else, or the last failure
 * is thrown as is.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions & {
    signal?: AbortSignal
    retryIf?: (error: unknown) => boolean
    onRetry?: (error: unknown, delayMs: number) => void
  } = {},
): Promise<T> {
  const attempts = options.attempts ?? 6
  const base = options.baseDelayMs ?? 500
  const max = options.maxDelayMs ?? 10_000
  const retryIf = options.retryIf ?? isTransient
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (error) {
      if (error instanceof UploadCancelledError || !retryIf(error) || n >= attempts) throw error
      const ceiling = Math.min(max, base * 2 ** (n - 1))
      const delay = ceiling / 2 + (Math.random() * ceiling) / 2
      options.onRetry?.(error, delay)
      await wait(delay, options.signal)
    }
  }
}
