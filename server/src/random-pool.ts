/**
 * Randomness for ids and keys, drawn from a pooled buffer the system CSPRNG fills 4 KiB at a time. ulid's default
 * source calls `crypto.getRandomValues` once per character (16 calls per id) and each call costs far more than its
 * byte: a CPU profile of presigning put 3% of the API's time there. Bytes are handed out once, never reused.
 */
import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 4096
const pool = Buffer.alloc(POOL_BYTES)
let offset = POOL_BYTES

function take(n: number): number {
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool)
    offset = 0
  }
  const at = offset
  offset += n
  return at
}

/** `n` (at most 4,096) random bytes, copied out of the pool. */
export function randomBytesFromPool(n: number): Buffer {
  if (n > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} bytes at a time`)
  const at = take(n)
  return Buffer.from(pool.subarray(at, at + n))
}

/** A uniform fraction in [0, 1) from 32 random bits: the source ulid's factories take. */
export function randomFractionFromPool(): number {
  return pool.readUInt32LE(take(4)) / 2 ** 32
}
