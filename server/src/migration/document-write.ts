/**
 * How one rewritten document is written back, whatever its field names. MongoDB ≥ 5.0 stores field names with dots
 * (`"a.b"`) and a leading `$` (`"$ref"`), but an update cannot address them: `$set: { "a.b": … }` sets `{ a: { b } }`
 * instead, and a replacement may not have a top-level `$` name. So: a `$set` of whole top-level fields when every
 * name involved is ordinary (conditional on their values being as read, so a concurrent write by the app is never
 * lost); otherwise the whole document is replaced — through a `$replaceWith: { $literal }` pipeline when a
 * top-level name starts with `$`. (FerretDB v1 refuses such names outright, so its documents always take the `$set`.)
 */
import type { Document } from 'mongodb'
import { rewriteUrls, type LegacyUrlForms } from './references.js'

export type DocumentWrite =
  | { kind: 'set'; filter: Document; update: Document }
  | { kind: 'replace'; replacement: Document }
  | { kind: 'pipeline'; pipeline: Document[] }

const ordinaryName = (name: string): boolean => !name.includes('.') && !name.startsWith('$')

/** True when every field name inside `value` (at any depth) is ordinary. */
function ordinaryNamesWithin(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(ordinaryNamesWithin)
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).every(([name, item]) => ordinaryName(name) && ordinaryNamesWithin(item))
  }
  return true
}

/** The write that rewrites `current`'s legacy URLs, or undefined when none of its URLs changes. */
export function planDocumentWrite(
  current: Document,
  forms: LegacyUrlForms,
  newUrlOf: (url: string) => string | undefined,
): DocumentWrite | undefined {
  const fields: [string, unknown][] = Object.entries(current)
  const rewritten = fields.map(([name, value]): [string, unknown] =>
    name === '_id' ? [name, value] : [name, rewriteUrls(value, forms, newUrlOf)],
  )
  const changed = rewritten.filter(([, value], i) => JSON.stringify(value) !== JSON.stringify(fields[i]![1]))
  if (changed.length === 0) return undefined

  // rewriteUrls keeps every field name, so the rewritten values' names are the current ones.
  if (changed.every(([name, value]) => ordinaryName(name) && ordinaryNamesWithin(value))) {
    const filter: Document = { _id: current._id as unknown }
    for (const [name] of changed) filter[name] = { $eq: fields.find(([field]) => field === name)![1] }
    return { kind: 'set', filter, update: { $set: Object.fromEntries(changed) } }
  }
  const document = Object.fromEntries(rewritten)
  if (Object.keys(document).some((name) => name.startsWith('$'))) {
    return { kind: 'pipeline', pipeline: [{ $replaceWith: { $literal: document } }] }
  }
  return { kind: 'replace', replacement: document }
}
