/**
 * Opening a legacy file for upload, once. What is hashed names the key and is what S3 is told to verify, and the
 * upload reads from this same handle (or this same buffer): no second open by path that a swapped file or link could
 * redirect between hashing and upload.
 */
import { createHash, type Hash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { partLength, planParts } from '@hoist/protocol'
import type { HashedFile } from '../storage/s3-put-file.js'
import type { ScannedFile } from './scan-files.js'

/** Files up to this size are read into memory whole and uploaded from there (memory ≤ concurrency × this). */
const IN_MEMORY_BYTES = 8 * 1024 * 1024
const READ_CHUNK = 1024 * 1024

export interface UploadPlan {
  multipartThreshold: number
  partSize: number
}

/**
 * Opens the file the scan found, never through a symbolic link: O_NOFOLLOW refuses a link swapped in for the file
 * itself, and the device/inode check refuses one swapped in for a directory above it (or any other file put in its
 * place). O_NONBLOCK: a FIFO put there cannot hang the migration before fstat refuses it. Then hashes it in one read.
 * The caller closes `handle`.
 */
export async function openAndHash(root: string, file: ScannedFile, plan: UploadPlan): Promise<HashedFile> {
  let handle: FileHandle
  try {
    handle = await open(
      join(root, ...file.diskPath.split('/')),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    )
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new Error('became a symbolic link after the scan: refused', { cause: error })
    throw error
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile() || stat.dev !== file.dev || stat.ino !== file.ino)
      throw new Error('is no longer the file the scan found (replaced, or reached through a link): refused')
    return await hashOpenFile(handle, stat.size, plan)
  } catch (error) {
    await handle.close()
    throw error
  }
}

async function hashOpenFile(handle: FileHandle, size: number, plan: UploadPlan): Promise<HashedFile> {
  if (size <= Math.min(IN_MEMORY_BYTES, plan.multipartThreshold)) {
    const bytes = Buffer.allocUnsafe(size)
    await readFully(handle, bytes, 0)
    return { handle, size, bytes, sha256: createHash('sha256').update(bytes).digest() }
  }
  const whole = createHash('sha256')
  if (size <= plan.multipartThreshold) {
    await readRange(handle, 0, size, [whole])
    return { handle, size, sha256: whole.digest() }
  }
  const parts = planParts(size, plan.partSize)
  const partDigests: HashedFile['parts'] = []
  for (let partNumber = 1; partNumber <= parts.partCount; partNumber++) {
    const length = partLength(size, parts, partNumber)
    const part = createHash('sha256')
    await readRange(handle, (partNumber - 1) * parts.partSize, length, [whole, part])
    partDigests.push({ size: length, sha256: part.digest() })
  }
  return { handle, size, sha256: whole.digest(), parts: partDigests }
}

async function readRange(handle: FileHandle, start: number, length: number, hashes: Hash[]): Promise<void> {
  const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, length))
  for (let done = 0; done < length;) {
    const view = chunk.subarray(0, Math.min(chunk.length, length - done))
    await readFully(handle, view, start + done)
    for (const hash of hashes) hash.update(view)
    done += view.length
  }
}

/** Fills `into` from `position`; a file that ends early changed since fstat. */
async function readFully(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let filled = 0; filled < into.length;) {
    const { bytesRead } = await handle.read(into, filled, into.length - filled, position + filled)
    if (bytesRead === 0) throw new Error('shrank while being read')
    filled += bytesRead
  }
}
