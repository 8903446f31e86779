/**
 * How a rewritten document is written back when its field names have dots or a leading `$` (MongoDB ≥ 5.0 stores
 * them; FerretDB v1 refuses them, so this is proven here rather than against the test stack): never a `$set` whose
 * path has a dot (it would address a nested field) or starts with `$`.
 */
import t from 'tap'
import type { Document } from 'mongodb'
import { planDocumentWrite, type DocumentWrite } from '../../server/src/migration/document-write.js'

const forms = { prefixes: ['/uploads/'], isFile: (path: string) => path === 'a.png' }
const NEW = 'https://cdn.example/uploads/legacy/abc.png'
const newUrlOf = (url: string): string | undefined => (url === '/uploads/a.png' ? NEW : undefined)

function setPaths(write: DocumentWrite | undefined): string[] {
  return write?.kind === 'set' ? Object.keys(write.update.$set as Document) : []
}

t.test('ordinary names: $set of the changed top-level fields only, conditional on their values as read', async (t) => {
  const steps = [{ blocks: [{ data: { url: '/uploads/a.png' } }] }]
  const write = planDocumentWrite({ _id: 1, title: 'T', steps }, forms, newUrlOf)
  t.same(write, {
    kind: 'set',
    filter: { _id: 1, steps: { $eq: steps } },
    update: { $set: { steps: [{ blocks: [{ data: { url: NEW } }] }] } },
  })
})

t.test('a top-level name with a dot: the whole document is replaced, the name kept as it is', async (t) => {
  const write = planDocumentWrite({ _id: 1, 'cover.url': '/uploads/a.png', title: 'T' }, forms, newUrlOf)
  t.same(write, { kind: 'replace', replacement: { _id: 1, 'cover.url': NEW, title: 'T' } })
  t.same(setPaths(write), [], 'no $set path "cover.url" (which would create { cover: { url } })')
})

t.test('a dotted or $ name nested inside a changed field: replaced too', async (t) => {
  const dotted = planDocumentWrite({ _id: 1, data: { 'a.b': '/uploads/a.png' } }, forms, newUrlOf)
  t.same(dotted, { kind: 'replace', replacement: { _id: 1, data: { 'a.b': NEW } } })
  const dollar = planDocumentWrite({ _id: 1, blocks: [{ $ref: '/uploads/a.png' }] }, forms, newUrlOf)
  t.same(dollar, { kind: 'replace', replacement: { _id: 1, blocks: [{ $ref: NEW }] } })
})

t.test('a top-level name starting with $: replaced through a pipeline, as a literal', async (t) => {
  const write = planDocumentWrite({ _id: 1, $ref: '/uploads/a.png', n: 2 }, forms, newUrlOf)
  t.same(write, { kind: 'pipeline', pipeline: [{ $replaceWith: { $literal: { _id: 1, $ref: NEW, n: 2 } } }] })
})

t.test('unusual names in fields that do not change still allow a $set of the ones that do', async (t) => {
  const write = planDocumentWrite({ _id: 1, 'x.y': 'keep', url: '/uploads/a.png' }, forms, newUrlOf)
  t.same(setPaths(write), ['url'])
})

t.test('nothing to change (missing files only): no write', async (t) => {
  t.equal(planDocumentWrite({ _id: 1, url: '/uploads/missing.png', 'a.b': 1 }, forms, newUrlOf), undefined)
})
