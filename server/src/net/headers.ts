import type { IncomingHttpHeaders } from 'node:http'

/** One response header's value (the first, if it came more than once). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}
