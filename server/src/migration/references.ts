/**
 * Finding and rewriting legacy upload URLs anywhere in a document: top-level fields, nested objects, arrays
 * (walkthrough steps → blocks, version snapshots), and inside longer strings (HTML or Markdown of text blocks).
 */
import { urlBodyLength } from './url-extent.js'

/** How documents address the legacy files. */
export interface LegacyUrlForms {
  /** The old prefixes, e.g. `/uploads/` and `https://old-api.example.com/uploads/`. */
  prefixes: string[]
  /**
   * Whether an uploads-relative path (decoded, NFC) is a file on disk. A URL written with spaces or brackets
   * (`/uploads/shot (1).png`) extends over them only when the longer path names a file.
   */
  isFile: (relativePath: string) => boolean
}

/** One legacy URL found in a document. */
export interface Reference {
  /** Field path from the document root, e.g. ['steps', 0, 'blocks', 1, 'data', 'url']. */
  path: (string | number)[]
  /** The URL as written in the document, query string included. */
  url: string
  /** The file it names, relative to the uploads directory, decoded (`a b.png`, not `a%20b.png`). */
  relativePath: string
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A matcher of where URLs start, for the given old prefixes. Absolute prefixes (`https://old.example.com/uploads/`)
 * match anywhere; relative ones (`/uploads/`) only where they start a URL, so `https://other.example/uploads/x` is
 * left alone.
 */
function prefixMatcher(prefixes: string[]): RegExp {
  const sorted = [...prefixes].sort((a, b) => b.length - a.length)
  const alternatives = sorted.map((prefix) =>
    /^[a-z][a-z0-9+.-]*:\/\//i.test(prefix) ? escapeRegExp(prefix) : `(?<![A-Za-z0-9.:/_-])${escapeRegExp(prefix)}`,
  )
  return new RegExp(alternatives.join('|'), 'g')
}

/** The uploads-relative file a URL body names: query and fragment removed, percent-decoding undone. */
function decodePath(body: string): string | undefined {
  const rest = body.split(/[?#]/)[0]!
  let decoded: string
  try {
    decoded = decodeURIComponent(rest)
  } catch {
    decoded = rest
  }
  const normalised = decoded.normalize('NFC')
  // Never let a URL name a file outside the uploads directory.
  if (normalised.split('/').some((segment) => segment === '..' || segment === '')) return undefined
  return normalised
}

/** The uploads-relative file a URL names: prefix, query and fragment removed, percent-decoding undone. */
export function relativePathOf(url: string, prefixes: string[]): string | undefined {
  const prefix = [...prefixes].sort((a, b) => b.length - a.length).find((p) => url.startsWith(p))
  return prefix === undefined ? undefined : decodePath(url.slice(prefix.length))
}

/** The legacy URLs in one string, in order, each with where it starts. */
function urlsIn(text: string, forms: LegacyUrlForms): { start: number; url: string; relativePath?: string }[] {
  const found: { start: number; url: string; relativePath?: string }[] = []
  const namesFile = (body: string): boolean => {
    const path = decodePath(body)
    return path !== undefined && forms.isFile(path)
  }
  const starts = prefixMatcher(forms.prefixes)
  for (let match = starts.exec(text); match; match = starts.exec(text)) {
    const bodyStart = match.index + match[0].length
    const length = urlBodyLength(text, bodyStart, namesFile)
    if (length === 0) continue
    const relativePath = decodePath(text.slice(bodyStart, bodyStart + length))
    found.push({ start: match.index, url: text.slice(match.index, bodyStart + length), relativePath })
    starts.lastIndex = bodyStart + length
  }
  return found
}

/** Every legacy URL in `value`, with where it sits. */
export function findReferences(value: unknown, forms: LegacyUrlForms): Reference[] {
  const walk = (item: unknown, path: (string | number)[]): Reference[] => {
    if (typeof item === 'string') {
      return urlsIn(item, forms).flatMap(({ url, relativePath }) => (relativePath ? [{ path, url, relativePath }] : []))
    }
    if (Array.isArray(item)) return item.flatMap((element, index) => walk(element, [...path, index]))
    if (isPlainObject(item)) return Object.entries(item).flatMap(([key, element]) => walk(element, [...path, key]))
    return []
  }
  return walk(value, [])
}

/**
 * Returns a copy of `value` with each legacy URL replaced by `replacement(url)`; a URL for which it returns
 * undefined (its file is missing) is left as it was. Values other than strings, arrays and plain objects
 * (ObjectIds, Dates, binaries) are kept as they are.
 */
export function rewriteUrls(
  value: unknown,
  forms: LegacyUrlForms,
  replacement: (url: string) => string | undefined,
): unknown {
  if (typeof value === 'string') {
    let rewritten = ''
    let copied = 0
    for (const { start, url } of urlsIn(value, forms)) {
      rewritten += value.slice(copied, start) + (replacement(url) ?? url)
      copied = start + url.length
    }
    return rewritten + value.slice(copied)
  }
  if (Array.isArray(value)) return value.map((item) => rewriteUrls(item, forms, replacement))
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewriteUrls(item, forms, replacement)]))
  }
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
