/**
 * Which candidate uploads a document of the app references. It is the matching `hoist migrate` uses
 * (migration/references.ts): a URL under any base the files are served from — public, CDN, the bucket's own — with or
 * without a query string, or a key written alone, anywhere in nested documents and arrays and inside longer text.
 * On top of it, a file's name (`<id>-<secret>` or a migrated file's hash: unique to it) found as a whole word also
 * counts, so a URL under a base Hoist was never told about (an old CDN, a proxy path) still keeps its file.
 */
import { findReferences, type LegacyUrlForms } from '../migration/references.js'

/** An upload `hoist gc` may delete, as it is kept in memory while the app's documents are scanned. */
export interface Candidate {
  id: string
  workspaceId: string
  /** The file's key and its variants' keys. */
  keys: string[]
  /** The file's bytes and its variants'. */
  bytes: number
}

export interface ReferenceForms {
  /** Bases a key follows in a URL: `https://cdn.example.com/`, `http://127.0.0.1:9000/bucket/`. */
  urlBases: string[]
  /** S3_KEY_PREFIX (e.g. `uploads/`): what a key written alone starts with. */
  keyPrefix: string
}

/** A word that may be a file's name: at least 32 characters of what keys are made of. */
const NAME_WORD = /[A-Za-z0-9_-]{32,}/g

/** The name that makes a key unique: its last segment up to the first dot (variants share their original's). */
function uniqueName(key: string): string | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1).split('.')[0]!
  return name.length >= 32 ? name : undefined
}

export class ReferenceMatcher {
  /** Every key and unique name of a candidate → its upload id. */
  private readonly idOfKey = new Map<string, string>()
  private readonly idOfName = new Map<string, string>()
  private readonly forms: LegacyUrlForms
  private readonly keyPrefixes: string[]

  constructor(candidates: readonly Candidate[], forms: ReferenceForms) {
    for (const candidate of candidates) {
      for (const key of candidate.keys) {
        this.idOfKey.set(key, candidate.id)
        const name = uniqueName(key)
        if (name) this.idOfName.set(name, candidate.id)
      }
    }
    // With an empty S3_KEY_PREFIX a key starts with its workspace. Longest first: the most specific prefix wins.
    const workspaces = forms.keyPrefix ? [] : [...candidates].map((candidate) => `${candidate.workspaceId}/`)
    this.keyPrefixes = [...new Set(forms.keyPrefix ? [forms.keyPrefix] : workspaces)].sort(
      (a, b) => b.length - a.length,
    )
    this.forms = {
      prefixes: [...new Set([...forms.urlBases.filter(Boolean), ...this.keyPrefixes])],
      isFile: (path) => this.keyOf(path, undefined) !== undefined,
    }
  }

  /** The ids of the candidates `document` references. */
  referencedIn(document: unknown): Set<string> {
    const ids = new Set<string>()
    for (const reference of findReferences(document, this.forms)) {
      const prefix = this.keyPrefixes.find((keyPrefix) => reference.url.startsWith(keyPrefix))
      const id = this.keyOf(reference.relativePath, prefix)
      if (id) ids.add(id)
    }
    forEachString(document, (text) => {
      // A percent-escape separates words: `uploads%2Fw1%2F…%2F<name>.png` (a key in a query parameter) names the file.
      for (const [word] of text.replace(/%[0-9A-Fa-f]{2}/g, ' ').matchAll(NAME_WORD)) {
        const id = this.idOfName.get(word)
        if (id) ids.add(id)
      }
    })
    return ids
  }

  /** The id of the candidate a path after a URL base (the key) or after a key prefix (`prefix` given) names. */
  private keyOf(path: string, prefix: string | undefined): string | undefined {
    if (prefix !== undefined) return this.idOfKey.get(prefix + path)
    return this.idOfKey.get(path) ?? this.keyPrefixes.map((p) => this.idOfKey.get(p + path)).find(Boolean)
  }
}

function forEachString(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value)
  else if (Array.isArray(value)) for (const item of value) forEachString(item, visit)
  else if (value !== null && typeof value === 'object' && isPlain(value))
    for (const item of Object.values(value)) forEachString(item, visit)
}

/** Plain objects only: ObjectIds, dates and binaries hold no text of the app's. */
function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
