/**
 * A socket-level failure (refused, reset, timed out, name not resolved), told by Node's error code on the error or
 * on its cause. Both the S3 and the MongoDB adapters need it: the SDK wraps socket errors, and the MongoDB driver
 * lets a raw one through when the server closes a pooled connection just as a command is written to it
 * (`EPIPE: This socket has been ended by the other party`, seen when FerretDB stops).
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

export function isNetworkError(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if (NETWORK_CODES.has(String((e as { code?: unknown }).code))) return true
  }
  return false
}
