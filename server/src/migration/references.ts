/**
 * Finding and rewriting legacy upload URLs anywhere in a document: top-level fields, nested objects, arrays
 * (walkthrough steps → blocks, version snapshots), and inside longer strings (HTML or Markdown of text blocks).
 */

/** One legacy URL found in a document. */
export interface Reference {
  /** Field path from the document root, e.g. ['steps', 0, 'blocks', 1, 'data', 'url']. */
  path: (string | number)[]
  /** The URL as written in the document, query string included. */
  url: string
  /** The file it names, relative to the uploads directory, decoded (`a b.png`, not `a%20b.png`). */
  relativePath: string
}

/** Characters that end a URL embedded in text. */
const URL_BODY = `[^\\s"'<>()\\[\\]{}\`,]+`

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A matcher for the given old prefixes. Absolute prefixes (`https://old.example.com/uploads/`) match anywhere;
 * relative ones (`/uploads/`) only where they start a URL, so `https://other.example/uploads/x` is left alone.
 */
function urlMatcher(prefixes: string[]): RegExp {
  const sorted = [...prefixes].sort((a, b) => b.length - a.length)
  const alternatives = sorted.map((prefix) =>
    /^[a-z][a-z0-9+.-]*:\/\//i.test(prefix)
      ? `${escapeRegExp(prefix)}${URL_BODY}`
      : `(?<![A-Za-z0-9.:/_-])${escapeRegExp(prefix)}${URL_BODY}`,
  )
  return new RegExp(alternatives.join('|'), 'g')
}

/** The uploads-relative file a URL names: prefix, query and fragment removed, percent-decoding undone. */
export function relativePathOf(url: string, prefixes: string[]): string | undefined {
  const prefix = [...prefixes].sort((a, b) => b.length - a.length).find((p) => url.startsWith(p))
  if (!prefix) return undefined
  const rest = url.slice(prefix.length).split(/[?#]/)[0]!
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

/** Every legacy URL in `value`, with where it sits. */
export function findReferences(value: unknown, prefixes: string[], path: (string | number)[] = []): Reference[] {
  if (typeof value === 'string') {
    const found: Reference[] = []
    for (const match of value.matchAll(urlMatcher(prefixes))) {
      const relativePath = relativePathOf(match[0], prefixes)
      if (relativePath) found.push({ path, url: match[0], relativePath })
    }
    return found
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findReferences(item, prefixes, [...path, index]))
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, item]) => findReferences(item, prefixes, [...path, key]))
  }
  return []
}

/**
 * Returns a copy of `value` with each legacy URL replaced by `replacement(url)`; a URL for which it returns
 * undefined (its file is missing) is left as it was. Values other than strings, arrays and plain objects
 * (ObjectIds, Dates, binaries) are kept as they are.
 */
export function rewriteUrls(
  value: unknown,
  prefixes: string[],
  replacement: (url: string) => string | undefined,
): unknown {
  if (typeof value === 'string') return value.replace(urlMatcher(prefixes), (url) => replacement(url) ?? url)
  if (Array.isArray(value)) return value.map((item) => rewriteUrls(item, prefixes, replacement))
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, rewriteUrls(item, prefixes, replacement)]),
    )
  }
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
