/**
 * Whether anyone can read a private object: an unsigned GET of its first byte from the bucket's own address and from
 * PUBLIC_BASE_URL (a CDN in front may read the whole bucket with its own access). Whatever grants it — an object
 * ACL, a bucket policy wider than `hoist bucket setup` writes, a CDN origin with too much access — it shows here.
 */
import type { Config } from '../config.js'
import { publicUrlOf, s3AddressOf } from '../storage/open-object-store.js'

/** The URL that served the object anonymously, or undefined when every one refused it. */
export type AnonymousReadProbe = (key: string) => Promise<string | undefined>

/** Each request within S3_TIMEOUT_MS. */
export function anonymousReadProbe(config: Config): AnonymousReadProbe {
  const bucketUrl = (key: string): string => s3AddressOf(config).objectUrl(key)
  const publicUrl = publicUrlOf(config)
  return async (key) => {
    const urls = [...new Set([bucketUrl(key), publicUrl(key)])]
    for (const url of urls) if (await servesAnonymously(url, config.s3TimeoutMs)) return url
    return undefined
  }
}

async function servesAnonymously(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { headers: { range: 'bytes=0-0' }, signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return response.ok
  } catch {
    // Unreachable (a CDN not reachable from here, say) is not "readable": the bucket's own address is asked too.
    return false
  }
}
