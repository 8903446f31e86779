/**
 * Metadata on uploads (control 27): stored, returned in every view, filterable on one key without scanning the
 * workspace; bounded (16 keys, 64-character keys, 512-character string values) with a 400 naming the
 * key; never an operator, a key or a path.
 */
import t from 'tap'
import { createUpload, getUpload } from '../../helpers/api.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'

const { app, db } = await startHoist(t)
const withMetadata = (metadata: unknown, claims = {}) =>
  createUpload(app, { filename: 'a.png', contentType: 'image/png', size: 10, metadata }, claims)

t.test('metadata is stored and comes back in every view', async (t) => {
  const metadata = { walkthroughId: 'w-1', 'step.id': 's-9', block_index: '3', 'x-y': '' }
  const created = await withMetadata(metadata)
  t.equal(created.statusCode, 201, created.body)
  t.same((await getUpload(app, created.json().id)).json().metadata, metadata)
  const listed = (await app.inject({ method: 'GET', url: '/v1/uploads?status=pending', headers: bearer() })).json()
  t.same(listed.items.find((item: { id: string }) => item.id === created.json().id)?.metadata, metadata)
  t.same((await getUpload(app, (await withMetadata(undefined)).json().id)).json().metadata, {}, 'no metadata: {}')
})

t.test('?metadata.<key>=<value> filters on one key, through the workspace’s metadata index', async (t) => {
  const claims = { workspace: 'ws-meta-filter' }
  const step = await withMetadata({ stepId: 's-1', 'step.kind': 'video' }, claims)
  await withMetadata({ stepId: 's-2' }, claims)
  await withMetadata({ stepId: 's-1' }, { workspace: 'ws-other' })
  const list = async (query: string) =>
    (await app.inject({ method: 'GET', url: `/v1/uploads?status=pending&${query}`, headers: bearer(claims) })).json()
  t.same(
    (await list('metadata.stepId=s-1')).items.map((i: { id: string }) => i.id),
    [step.json().id],
  )
  t.same(
    (await list('metadata.step.kind=video')).items.map((i: { id: string }) => i.id),
    [step.json().id],
    'dotted keys too',
  )
  t.same((await list('metadata.stepId=nothing')).items, [])
  const indexes = await db.collection('uploads').listIndexes().toArray()
  t.ok(
    indexes.some((index) => index.name === 'workspace_metadata'),
    'an index on the workspace’s metadata pairs serves it',
  )
})

t.test('bad metadata is a 400 that names the key; nothing is recorded', async (t) => {
  const before = await db.collection('uploads').countDocuments()
  const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))
  const cases: [string, unknown, RegExp][] = [
    ['17 keys', many, /must NOT have more than 16 properties/],
    ['a key with a space', { 'a b': 'v' }, /a b/],
    ['an operator as key', { $gt: '' }, /\$gt/],
    ['a key of 65 characters', { ['k'.repeat(65)]: 'v' }, /k{65}/],
    ['a value of 513 characters', { note: 'x'.repeat(513) }, /note/],
    ['a number as value', { count: 3 }, /count/],
    ['an object as value', { nested: { $ne: null } }, /nested/],
    ['an array', ['a'], /metadata/],
  ]
  for (const [name, metadata, names] of cases) {
    const answer = await withMetadata(metadata)
    t.equal(answer.statusCode, 400, name)
    t.match(
      `${answer.json().error.message} ${JSON.stringify(answer.json().error.details)}`,
      names,
      `${name}: the message says which key`,
    )
  }
  t.equal(await db.collection('uploads').countDocuments(), before)
})

t.test('the most the schema allows is accepted: 16 keys of 64 characters with 512-character values', async (t) => {
  const fullest = Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [`${String(i).padStart(2, '0')}${'k'.repeat(62)}`, 'é'.repeat(512)]),
  )
  const answer = await withMetadata(fullest)
  t.equal(answer.statusCode, 201, answer.body)
  t.same((await getUpload(app, answer.json().id)).json().metadata, fullest)
})

t.test('bad metadata filters are 400s', async (t) => {
  for (const query of [
    'metadata.a=1&metadata.b=2',
    'metadata.$where=1',
    'metadata.=x',
    `metadata.k=${'x'.repeat(600)}`,
  ]) {
    const answer = await app.inject({ method: 'GET', url: `/v1/uploads?${query}`, headers: bearer() })
    t.equal(answer.statusCode, 400, query)
  }
})
