/**
 * Which addresses Hoist may send requests to on someone else's say-so (a webhook receiver, a URL the migration checks):
 * public unicast only. ipaddr.js names every special range, including the IPv6 forms that embed an IPv4 address
 * (`::127.0.0.1`, `::ffff:0:0/96`, `64:ff9b::/96`, `2002::/16`, Teredo), site-local `fec0::/10`, `198.18.0.0/15` and
 * `192.0.0.0/24` — all refused: only what it calls plain unicast is public.
 */
import ipaddr from 'ipaddr.js'

export interface AddressPolicy {
  /** Development only: loopback receivers (a local webhook endpoint). */
  allowLoopback: boolean
}

export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '')
  if (!ipaddr.isValid(bare)) return false
  const parsed = ipaddr.parse(bare)
  // `::a.b.c.d` (IPv4-compatible, ::/96) reaches us as `::7f00:1` after URL parsing, which ipaddr.js calls unicast.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return false
  return parsed.range() === 'unicast'
}

export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '')
  return ipaddr.isValid(bare) && ipaddr.parse(bare).range() === 'loopback'
}

/** A URL host that can only mean this machine: a loopback address, or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host)
}

export function isAllowedAddress(address: string, policy: AddressPolicy): boolean {
  return isPublicAddress(address) || (policy.allowLoopback && isLoopbackAddress(address))
}
