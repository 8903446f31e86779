/**
 * Control 34: upload rules in the app's token (the `upload` claim). Each rule refuses what it excludes with a 4xx
 * naming it; metadata the token fixes cannot be changed by the browser, is filled in when absent, and is marked as
 * fixed in every view and event.
 */
import { setTimeout } from 'node:timers/promises'
import t from 'tap'
import { confirmUpload, createUpload, getUpload, putObject } from '../../helpers/api.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer, type TokenClaims } from '../../helpers/tokens.js'

const { app, config } = await startHoist(t)
const png = { filename: 'a.png', contentType: 'image/png', size: 1000 }
const withRules = (upload: unknown, workspace = 'ws-rules'): TokenClaims => ({ workspace, upload })

t.test('contentTypes: a type outside the token’s list is a 403 naming the rule; type/* covers the kind', async (t) => {
  const imagesOnly = withRules({ contentTypes: ['image/*'] })
  t.equal((await createUpload(app, png, imagesOnly)).statusCode, 201, 'image/png passes image/*')
  const video = await createUpload(app, { filename: 'v.mp4', contentType: 'video/mp4', size: 1000 }, imagesOnly)
  t.equal(video.statusCode, 403)
  t.equal(video.json().error.code, 'TOKEN_CONTENT_TYPE_NOT_ALLOWED')
  t.match(
    video.json().error.message,
    /allows uploads of image\/\* only, not video\/mp4 \(its upload\.contentTypes rule\)/,
  )

  const exact = withRules({ contentTypes: ['image/png', 'application/pdf'] })
  const jpeg = await createUpload(app, { filename: 'a.jpg', contentType: 'image/jpeg', size: 1000 }, exact)
  t.equal(jpeg.json().error.code, 'TOKEN_CONTENT_TYPE_NOT_ALLOWED', 'an exact type names only itself')
})

t.test('contentTypes narrow the server’s allow-list, never widen it', async (t) => {
  const zip = await createUpload(
    app,
    { filename: 'a.zip', contentType: 'application/zip', size: 1000 },
    withRules({ contentTypes: ['application/zip'] }),
  )
  t.equal(zip.statusCode, 400)
  t.equal(zip.json().error.code, 'CONTENT_TYPE_NOT_ALLOWED', 'the server’s own refusal')
})

t.test('maxSize: a larger file is a 413 naming the rule; the server’s limit still applies above it', async (t) => {
  const small = withRules({ maxSize: 1000 })
  t.equal((await createUpload(app, png, small)).statusCode, 201, 'exactly maxSize passes')
  const over = await createUpload(app, { ...png, size: 1001 }, small)
  t.equal(over.statusCode, 413)
  t.equal(over.json().error.code, 'TOKEN_FILE_TOO_LARGE')
  t.match(over.json().error.message, /1001 bytes; this token allows at most 1000 bytes \(its upload\.maxSize rule\)/)
  const aboveImages = config.maxImageBytes + 1
  const huge = await createUpload(app, { ...png, size: aboveImages }, withRules({ maxSize: aboveImages + 1 }))
  t.equal(huge.json().error.code, 'FILE_TOO_LARGE', 'a token cannot raise the server’s limit')
})

t.test('metadata: a different value for a fixed key is a 403 naming the key; nothing is recorded', async (t) => {
  const claims = withRules({ metadata: { blockId: 'b1' } }, 'ws-rules-changed')
  const changed = await createUpload(app, { ...png, metadata: { blockId: 'b2' } }, claims)
  t.equal(changed.statusCode, 403)
  t.equal(changed.json().error.code, 'TOKEN_METADATA_FIXED')
  t.match(changed.json().error.message, /metadata\.blockId is fixed by the token .* to "b1"/)
  const list = await app.inject({ method: 'GET', url: '/v1/uploads?status=pending', headers: bearer(claims) })
  t.same(list.json().items, [], 'no pending upload was recorded')
})

t.test(
  'metadata: fixed values are filled in when absent and accepted when repeated; the browser’s own stay',
  async (t) => {
    const claims = withRules({ metadata: { blockId: 'b1', walkthroughId: 'w9' } })
    const absent = await createUpload(app, { ...png, metadata: { stepId: 's3' } }, claims)
    t.equal(absent.statusCode, 201, absent.body)
    const view = (await getUpload(app, absent.json().id, claims)).json()
    t.same(view.metadata, { stepId: 's3', blockId: 'b1', walkthroughId: 'w9' })
    t.same([...view.fixedMetadata].sort(), ['blockId', 'walkthroughId'], 'the view marks the keys the app fixed')

    const repeated = await createUpload(app, { ...png, metadata: { blockId: 'b1' } }, claims)
    t.equal(repeated.statusCode, 201, 'the same value may be sent')
    const none = await createUpload(app, png, claims)
    t.same((await getUpload(app, none.json().id, claims)).json().metadata, { blockId: 'b1', walkthroughId: 'w9' })

    const plain = await createUpload(app, { ...png, metadata: { blockId: 'mine' } }, { workspace: 'ws-rules' })
    t.notOk((await getUpload(app, plain.json().id)).json().fixedMetadata, 'without rules nothing is marked fixed')
  },
)

t.test('the list, the confirm answer and the event all mark the fixed keys', async (t) => {
  const claims = withRules({ metadata: { blockId: 'b7' } }, 'ws-rules-events')
  const bytes = fileOf('image/png', 1500)
  const created = await createUpload(app, { ...png, size: bytes.length, metadata: { stepId: 's1' } }, claims)
  const instructions = created.json<SingleInstructions>()
  t.ok((await putObject(instructions, bytes)).ok)
  const confirmed = await confirmUpload(app, instructions.id, claims)
  t.equal(confirmed.statusCode, 200, confirmed.body)
  t.same(confirmed.json().fixedMetadata, ['blockId'])
  const list = (await app.inject({ method: 'GET', url: '/v1/uploads', headers: bearer(claims) })).json()
  t.same(list.items[0].fixedMetadata, ['blockId'])
  // The feed shows an event once it has settled (2 s after its write).
  let event: { data: { metadata: object; fixedMetadata?: string[] } } | undefined
  for (let i = 0; i < 50 && !event; i++) {
    await setTimeout(100)
    const events = (await app.inject({ method: 'GET', url: '/v1/events', headers: bearer(claims) })).json()
    event = events.items.find((item: { event: { type: string } }) => item.event.type === 'upload.confirmed')?.event
  }
  t.same(event?.data.metadata, { stepId: 's1', blockId: 'b7' })
  t.same(event?.data.fixedMetadata, ['blockId'], 'a webhook receiver can trust blockId, not stepId')
})

t.test('a malformed upload claim is a 401 naming it', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ maxSize: '5MB' }, /upload\.maxSize/],
    [{ contentTypes: ['image/png; charset=x'] }, /upload\.contentTypes\.0/],
    [{ contentTypes: [] }, /upload\.contentTypes/],
    [{ metadata: { blockId: 7 } }, /upload\.metadata\.blockId/],
    [{ maxsize: 5 }, /upload/],
    ['image/*', /upload/],
  ]
  for (const [upload, where] of cases) {
    const answer = await createUpload(app, png, withRules(upload))
    t.equal(answer.statusCode, 401, JSON.stringify(upload))
    t.equal(answer.json().error.details?.check, 'upload')
    t.match(answer.json().error.message, /the upload claim is malformed/)
    t.match(answer.json().error.message, where)
  }
})
