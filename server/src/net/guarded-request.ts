/**
 * One outbound HTTP request to an address the caller does not control, safe against SSRF: https only (plain http
 * only to loopback, when allowed for development); the host is resolved once, inside the connection, and the address
 * it connects to is the one that was checked (no second DNS lookup to rebind); redirects are answered, never followed;
 * bounded time and answer size.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
// The module objects, not named imports: tracing (telemetry/) wraps their `request` once loaded, and an ESM named
// import of a built-in would keep the unwrapped function.
import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { isAllowedAddress, isLoopbackAddress, isLoopbackHost, type AddressPolicy } from './addresses.js'

export class RefusedUrlError extends Error {
  constructor(url: string, reason: string) {
    super(`refused to send a request to ${url}: ${reason}`)
    this.name = 'RefusedUrlError'
  }
}

/** The receiver did not answer within the request's time budget. */
export class RequestTimedOut extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`)
    this.name = 'RequestTimedOut'
  }
}

export interface GuardedRequestOptions extends AddressPolicy {
  method: 'GET' | 'HEAD' | 'POST'
  headers?: Record<string, string>
  body?: string
  timeoutMs: number
  /** The answer's body is read up to this many bytes (the rest is dropped). Default 64 KiB. */
  maxBodyBytes?: number
  /** The resolver (tests pass one that answers as a rebinding DNS server would). Default: dns.lookup. */
  dnsLookup?: typeof dnsLookup
}

export interface GuardedResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** Throws RefusedUrlError for a URL that may never be requested, whatever it resolves to. */
function assertRequestableUrl(url: URL, policy: AddressPolicy): void {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  // Plain http carries the signed body in the clear: only to this machine, and only when development allows it.
  const loopbackHttp = policy.allowLoopback && url.protocol === 'http:' && isLoopbackHost(host)
  if (url.protocol !== 'https:' && !loopbackHttp)
    throw new RefusedUrlError(url.href, 'only https is allowed (plain http only to a loopback receiver)')
  if (url.username || url.password) throw new RefusedUrlError(url.href, 'credentials in the URL are not allowed')
  if (isIP(host) && !isAllowedAddress(host, policy)) {
    throw new RefusedUrlError(url.href, `${host} is a private, loopback or reserved address`)
  }
}

/** dns.lookup that refuses to hand the socket any address the policy does not allow. */
function checkedLookup(url: URL, policy: AddressPolicy, resolve: typeof dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4)
      // `localhost` over plain http must resolve to loopback only, never to a public address.
      const allowed = (address: string): boolean =>
        url.protocol === 'http:' ? isLoopbackAddress(address) : isAllowedAddress(address, policy)
      const refused = addresses.find((entry) => !allowed(entry.address))
      if (refused || addresses.length === 0) {
        const kind =
          url.protocol === 'http:' ? 'an address that is not loopback' : 'a private, loopback or reserved address'
        const reason = refused ? `${hostname} resolves to ${kind} (${refused.address})` : 'no address'
        return callback(new RefusedUrlError(url.href, reason), '', 4)
      }
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}

export async function guardedRequest(target: string | URL, options: GuardedRequestOptions): Promise<GuardedResponse> {
  const url = new URL(target)
  assertRequestableUrl(url, options)
  const send = url.protocol === 'https:' ? https.request : http.request
  const maxBody = options.maxBodyBytes ?? 64 * 1024
  return new Promise<GuardedResponse>((resolve, reject) => {
    const request = send(
      url,
      {
        method: options.method,
        headers: {
          ...(options.headers ?? {}),
          ...(options.body ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
        },
        lookup: checkedLookup(url, options, options.dnsLookup ?? dnsLookup),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = []
        let size = 0
        response.on('data', (chunk: Buffer) => {
          if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size))
          size += chunk.length
        })
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        response.on('error', reject)
      },
    )
    request.on('error', (error: Error) =>
      reject(
        error.name === 'AbortError' || error.name === 'TimeoutError' ? new RequestTimedOut(options.timeoutMs) : error,
      ),
    )
    request.end(options.body)
  })
}
