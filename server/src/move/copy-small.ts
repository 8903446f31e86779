/**
 * The copy of an object that fits in one part, and the HEAD that checks a copy, as direct SigV4 requests on kept-alive
 * connections (s3-direct-calls.ts) rather than SDK calls: a move of many small files is bound by the CPU each call
 * costs (about a quarter through this path). The same headers, checksum and verification as copy-object.ts.
 */
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { header } from '../net/headers.js'
import type { S3DirectCalls } from '../storage/s3-direct-calls.js'
import { isS3NotFound } from '../storage/s3-errors.js'

/** Response headers the bucket serves the object with, kept by a copy (user metadata included). */
const KEPT = ['content-type', 'cache-control', 'content-disposition', 'content-encoding']

export interface SmallCopy {
  bytes: number
  checksum: string
  etag: string
}

/**
 * GETs the whole object (`size` bytes, as listed) and PUTs it to the target with its SHA-256, which the target
 * checks; `marker` names the metadata that records the source's ETag. Throws when the object is no longer that size.
 */
export async function copySmall(
  source: S3DirectCalls,
  target: S3DirectCalls,
  key: string,
  size: number,
  marker: string,
): Promise<SmallCopy> {
  const got = await source.readPrefix(key, size)
  const total = Number(/\/(\d+)$/.exec(header(got.headers, 'content-range') ?? '')?.[1] ?? got.body.length)
  if (total !== size || got.body.length !== size) throw new Error(`${key} is ${total} bytes now, listed as ${size}`)
  const etag = (header(got.headers, 'etag') ?? '').replace(/^"|"$/g, '')
  const checksum = createHash('sha256').update(got.body).digest('base64')
  await target.put(
    key,
    { ...keptHeaders(got.headers), [`x-amz-meta-${marker}`]: etag, 'x-amz-checksum-sha256': checksum },
    got.body,
  )
  return { bytes: size, checksum, etag }
}

function keptHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(KEPT.includes(name) || name.startsWith('x-amz-meta-'))) continue
    kept[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return kept
}

/** The HEAD of a copy: size, stored checksum, the source ETag it records; undefined when there is no object. */
export async function headCopy(
  target: S3DirectCalls,
  key: string,
  marker: string,
): Promise<{ size: number; checksum?: string; sourceEtag?: string } | undefined> {
  try {
    const { headers } = await target.head(key)
    const checksum = header(headers, 'x-amz-checksum-sha256')
    const sourceEtag = header(headers, `x-amz-meta-${marker}`)
    return {
      size: Number(header(headers, 'content-length') ?? -1),
      ...(checksum ? { checksum } : {}),
      ...(sourceEtag ? { sourceEtag } : {}),
    }
  } catch (error) {
    if (isS3NotFound(error)) return undefined
    throw error
  }
}
