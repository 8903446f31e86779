/**
 * SSRF guard for the one kind of URL the migration fetches: the new public URLs it built itself, to check they
 * serve the file. Origins the operator configured (PUBLIC_BASE_URL, the S3 endpoint) are trusted; any other URL —
 * and any redirect — must be https to a public address: loopback, private, link-local (cloud metadata) and
 * unique-local addresses are refused, after DNS resolution.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

export class RefusedUrlError extends Error {
  constructor(url: string, reason: string) {
    super(`refused to fetch ${url}: ${reason}`)
    this.name = 'RefusedUrlError'
  }
}

function ipv4IsPrivate(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number]
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a >= 224
  )
}

export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase()
  if (isIP(bare) === 4) return ipv4IsPrivate(bare)
  if (isIP(bare) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare)
    if (mapped) return ipv4IsPrivate(mapped[1]!)
    // WHATWG URL parsing writes IPv4-mapped addresses in hex: [::ffff:127.0.0.1] becomes [::ffff:7f00:1].
    const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(bare)
    if (mappedHex) {
      const high = parseInt(mappedHex[1]!, 16)
      const low = parseInt(mappedHex[2]!, 16)
      return ipv4IsPrivate(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`)
    }
    return bare === '::' || bare === '::1' || /^f[cd]/.test(bare) || /^fe[89ab]/.test(bare) || /^ff/.test(bare)
  }
  return true
}

async function assertPublicHttps(url: URL): Promise<void> {
  if (url.protocol !== 'https:') throw new RefusedUrlError(url.href, 'only https is allowed')
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address)
  const blocked = addresses.find(isPrivateAddress)
  if (blocked) throw new RefusedUrlError(url.href, `${host} resolves to a private or local address (${blocked})`)
}

const MAX_REDIRECTS = 3

/** fetch() that follows at most 3 redirects, checking every hop that leaves the trusted origins. */
export async function guardedFetch(url: string, trustedOrigins: string[], init: RequestInit = {}): Promise<Response> {
  let current = new URL(url)
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!trustedOrigins.includes(current.origin)) await assertPublicHttps(current)
    const response = await fetch(current, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
    const location = response.headers.get('location')
    if (response.status < 300 || response.status >= 400 || !location) return response
    current = new URL(location, current)
  }
  throw new RefusedUrlError(url, 'too many redirects')
}
