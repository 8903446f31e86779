/**
 * Upload metadata: what the app attaches to an upload (`{ walkthroughId, stepId }`), returned in every view and
 * event. Stored as `key=value` strings — FerretDB refuses field names with dots, which metadata keys may have, and an
 * array of strings is what a multikey index serves for `?metadata.<key>=<value>` without scanning the workspace.
 * It never becomes a query operator, a key or a path (control 27).
 */
import { METADATA_FILTER_PREFIX, type Metadata } from '@hoist/protocol'
import { ValidationFailed } from '../errors.js'

/** As stored: the schema has checked each key and value (count, pattern, length), which bounds the whole. */
export function metadataPairs(metadata: Metadata | undefined): string[] {
  // Keys cannot contain '=' (their pattern), so the first '=' splits the pair back.
  return Object.entries(metadata ?? {}).map(([key, value]) => `${key}=${value}`)
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
