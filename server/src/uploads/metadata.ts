/**
 * Upload metadata: what the app attaches to an upload (`{ walkthroughId, stepId }`), returned in every view and
 * event. Stored as `key=value` strings — FerretDB refuses field names with dots, which metadata keys may have, and an
 * array of strings is what a multikey index serves for `?metadata.<key>=<value>` without scanning the workspace.
 * It never becomes a query operator, a key or a path (control 27).
 */
import { METADATA_FILTER_PREFIX, METADATA_LIMITS, type Metadata } from '@hoist/protocol'
import { ValidationFailed, withDetails } from '../errors.js'

/** The schema checks each key and value; the total is checked here, naming the key that crosses it. */
export function metadataPairs(metadata: Metadata | undefined): string[] {
  const pairs: string[] = []
  let bytes = 2
  for (const [key, value] of Object.entries(metadata ?? {})) {
    bytes += Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(value)) + 2
    if (bytes > METADATA_LIMITS.totalBytes) {
      throw withDetails(
        new ValidationFailed(`body /metadata is over ${METADATA_LIMITS.totalBytes} bytes at key ${key}`),
        [
          {
            in: 'body',
            path: `/metadata/${key}`,
            message: `metadata may hold ${METADATA_LIMITS.totalBytes} bytes of JSON in all`,
          },
        ],
      )
    }
    // Keys cannot contain '=' (their pattern), so the first '=' splits the pair back.
    pairs.push(`${key}=${value}`)
  }
  return pairs
}

export function metadataOf(pairs: readonly string[] | undefined): Metadata {
  const metadata: Metadata = {}
  for (const pair of pairs ?? []) {
    const split = pair.indexOf('=')
    metadata[pair.slice(0, split)] = pair.slice(split + 1)
  }
  return metadata
}

/** The one `metadata.<key>=<value>` filter of a list query, as the stored pair; two are refused. */
export function metadataFilter(query: Record<string, unknown>): string | undefined {
  const filters = Object.keys(query).filter((name) => name.startsWith(METADATA_FILTER_PREFIX))
  if (filters.length > 1) throw new ValidationFailed('querystring filters on one metadata key at a time')
  const [name] = filters
  return name === undefined ? undefined : `${name.slice(METADATA_FILTER_PREFIX.length)}=${String(query[name])}`
}
