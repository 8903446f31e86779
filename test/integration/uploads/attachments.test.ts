/**
 * Attachments (issue 24): the app's backend, with an app token, says which of its records use an upload; views list
 * the references; a browser's token cannot attach; an upload that ended cannot be attached; workspaces stay apart.
 */
import t from 'tap'
import { confirmUpload, createUpload, deleteUpload, getUpload, putObject, uploadFile } from '../../helpers/api.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer, type TokenClaims } from '../../helpers/tokens.js'

const { app } = await startHoist(t)
const APP = { sub: 'walkthrough-backend', role: 'app' }
const BLOCK = 'walkthroughs/w1/steps/s2/blocks/b3'

const act = (action: 'attach' | 'detach', id: string, reference: string, claims: TokenClaims = APP) =>
  app.inject({ method: 'POST', url: `/v1/uploads/${id}/${action}`, headers: bearer(claims), payload: { reference } })
const uploaded = () => uploadFile(app, { filename: 'a.png', contentType: 'image/png', bytes: fileOf('image/png', 900) })

t.test('attach and detach are idempotent; the view lists the references, sorted', async (t) => {
  const { id } = await uploaded()
  t.same((await act('attach', id, BLOCK)).json().attachments, [BLOCK])
  t.same((await act('attach', id, BLOCK)).json().attachments, [BLOCK], 'attached twice, held once')
  t.same((await act('attach', id, 'avatars/u1')).json().attachments, ['avatars/u1', BLOCK])
  t.same((await getUpload(app, id)).json().attachments, ['avatars/u1', BLOCK], 'a browser sees them in the view')
  const listed = await app.inject({ method: 'GET', url: '/v1/uploads', headers: bearer() })
  t.same(listed.json().items.find((item: { id: string }) => item.id === id).attachments, ['avatars/u1', BLOCK])
  t.same((await act('detach', id, BLOCK)).json().attachments, ['avatars/u1'])
  t.same((await act('detach', id, BLOCK)).json().attachments, ['avatars/u1'], 'detached twice: no error')
  t.equal((await act('detach', id, 'avatars/u1')).json().attachments, undefined, 'the last one gone, none listed')
})

t.test('a browser’s token may not attach or detach: 403 naming the app token', async (t) => {
  const { id } = await uploaded()
  for (const action of ['attach', 'detach'] as const) {
    const answer = await act(action, id, BLOCK, {})
    t.equal(answer.statusCode, 403)
    t.equal(answer.json().error.code, 'APP_TOKEN_REQUIRED')
  }
  t.equal((await getUpload(app, id)).json().attachments, undefined, 'none attached, none listed')
  const badRole = await act('attach', id, BLOCK, { role: 'admin' })
  t.equal(badRole.statusCode, 401)
  t.match(badRole.json().error, { code: 'UNAUTHORIZED', details: { check: 'role' } })
})

t.test('an upload of another workspace is not found; a deleted one cannot be attached', async (t) => {
  const { id } = await uploaded()
  t.equal((await act('attach', id, BLOCK, { ...APP, workspace: 'ws-other' })).statusCode, 404)
  t.equal((await deleteUpload(app, id)).statusCode, 204)
  t.equal((await act('attach', id, BLOCK)).statusCode, 404, 'deleted uploads are gone to every route')
})

t.test('a rejected upload (its bytes were not what was declared) cannot be attached: 409', async (t) => {
  const html = new TextEncoder().encode('<!doctype html><script>alert(1)</script>'.padEnd(900, ' '))
  const created = (
    await createUpload(app, { filename: 'x.png', contentType: 'image/png', size: html.length })
  ).json<SingleInstructions>()
  await putObject(created, html)
  t.equal((await confirmUpload(app, created.id)).statusCode, 422)
  const answer = await act('attach', created.id, BLOCK)
  t.equal(answer.statusCode, 409)
  t.equal(answer.json().error.code, 'UPLOAD_NOT_ATTACHABLE')
})

t.test('references are path-like strings: anything else is a 400 before anything is stored', async (t) => {
  const { id } = await uploaded()
  for (const reference of ['', 'has space', 'x'.repeat(513), 'a\nb', '{"$gt":""}']) {
    const answer = await act('attach', id, reference)
    t.equal(answer.statusCode, 400, JSON.stringify(reference))
  }
  t.equal((await getUpload(app, id)).json().attachments, undefined)
})
