/**
 * Which URLs a move rewrites, and to what. Documents name an object by one of the source's base URLs (its public or
 * CDN base, the bucket's own URL, older forms the operator names) followed by the key; after the move the same key
 * sits under the target's base. A query string or fragment (`?w=640`, a cache buster) is kept as written.
 */
import type { LegacyUrlForms } from '../migration/references.js'
import { relativePathOf } from '../migration/references.js'

/** Each base once, ending with exactly one `/`, so `https://cdn.example/uploads` never matches `…/uploads-old/`. */
function normaliseBases(bases: string[]): string[] {
  return [...new Set(bases.map((base) => `${base.replace(/\/+$/, '')}/`))]
}

/**
 * How the app's documents address the source's objects: `isKey` says whether a path is an object of the source
 * (so a URL written with spaces or brackets extends over them only when the longer path is a key).
 */
export function sourceUrlForms(oldBases: string[], isKey: (key: string) => boolean): LegacyUrlForms {
  return { prefixes: normaliseBases(oldBases), isFile: isKey }
}

/**
 * The URL `url` becomes: the target's URL of the same key, with the query string or fragment `url` had; undefined
 * when `url` names no key under the old bases or `newUrlOfKey` has none for it (not copied and verified).
 */
export function movedUrl(
  url: string,
  oldBases: string[],
  newUrlOfKey: (key: string) => string | undefined,
): string | undefined {
  const bases = normaliseBases(oldBases)
  const key = relativePathOf(url, bases)
  const target = key === undefined ? undefined : newUrlOfKey(key)
  if (target === undefined) return undefined
  const base = bases.filter((prefix) => url.startsWith(prefix)).sort((a, b) => b.length - a.length)[0]!
  const rest = url.slice(base.length)
  const suffixAt = rest.search(/[?#]/)
  return target + (suffixAt === -1 ? '' : rest.slice(suffixAt))
}
