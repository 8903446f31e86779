/**
 * A start-up look at WEBHOOK_URL: would the deliverer be allowed to connect to it? The deliverer checks every
 * connection anyway (net/guarded-request.ts); this only says so once, at start, instead of on every attempt hours
 * later. DNS can change, so a problem is a warning, not a refusal to start.
 */
import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { isAllowedAddress, type AddressPolicy } from '../net/addresses.js'

const LOOPBACK_ADVICE = 'a local receiver needs WEBHOOK_ALLOW_LOOPBACK=true (development only)'

/** Why deliveries to `url` would be refused or fail right now, or undefined when they could go through. */
export async function webhookUrlProblem(
  url: string,
  policy: AddressPolicy,
  resolve: (host: string) => Promise<{ address: string }[]> = (host) => dnsLookup(host, { all: true }),
): Promise<string | undefined> {
  const { hostname } = new URL(url)
  const host = hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (isIP(host)) addresses = [host]
  else {
    try {
      addresses = (await resolve(host)).map((entry) => entry.address)
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'no answer'
      return `WEBHOOK_URL's host ${host} does not resolve (${code}): deliveries fail until it does`
    }
  }
  const refused = addresses.find((address) => !isAllowedAddress(address, policy))
  if (!refused) return undefined
  const where = refused === host ? host : `${host} (${refused})`
  return `WEBHOOK_URL points at ${where}, a private, loopback or reserved address: every delivery will be refused; ${LOOPBACK_ADVICE}`
}
