/**
 * `hoist upload <files…>`: the web client from Node (nodePut, files opened as Blobs) against a real API — one line per
 * file, metadata on every record, JSON lines for scripts, and a failed file named with the API's code and message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runHoist } from '../helpers/cli.js'
import { fileOf } from '../helpers/fixtures.js'
import { baseUrl, startHoist, uniqueName } from '../helpers/hoist.js'
import { pngImage } from '../helpers/png.js'
import { bearer, mintToken } from '../helpers/tokens.js'

const MiB = 1024 * 1024
const { app } = await startHoist(t, {
  listen: true,
  config: { multipartThresholdBytes: 5 * MiB, multipartPartSizeBytes: 5 * MiB },
})
const workspace = uniqueName('cli-upload')
const env = { HOIST_API_URL: baseUrl(app), HOIST_TOKEN: mintToken({ workspace }) }
const dir = mkdtempSync(join(tmpdir(), 'hoist-cli-upload-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, bytes: Uint8Array): string => {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}
const photo = file('step-1.png', pngImage(64, 48, [200, 40, 40]))
const clip = file('clip.mp4', fileOf('video/mp4', 6 * MiB, 3)) // above the threshold: multipart
const notes = file('notes.txt', new TextEncoder().encode('not a picture'))

async function listBy(
  key: string,
  value: string,
): Promise<{ id: string; filename: string; url: string; metadata: object; visibility?: string }[]> {
  const response = await app.inject({
    url: `/v1/uploads?metadata.${key}=${value}`,
    headers: bearer({ workspace }),
  })
  return response.json().items
}

t.test('two files with metadata: exit 0, a "<file> → <url>" line each, confirmed with the metadata', async (t) => {
  const result = await runHoist(
    ['upload', photo, clip, '--metadata', 'walkthroughId=w1', '--metadata', 'stepId=s2'],
    env,
  )
  t.equal(result.code, 0, result.stderr)
  const records = await listBy('stepId', 's2')
  t.same(records.map((record) => record.filename).sort(), ['clip.mp4', 'step-1.png'])
  for (const record of records) t.same(record.metadata, { walkthroughId: 'w1', stepId: 's2' })
  const lines = result.stdout.trim().split('\n').sort()
  const expected = [clip, photo].map((path) => {
    const record = records.find((r) => path.endsWith(r.filename))!
    return `${path} → ${record.url}`
  })
  t.same(lines, expected.sort(), 'one line per file, with its permanent URL')
  const served = await fetch(records.find((r) => r.filename === 'clip.mp4')!.url)
  t.equal(Number(served.headers.get('content-length')), 6 * MiB, 'the multipart file is whole in the bucket')
})

t.test('a relative path means the caller’s directory (INIT_CWD under npm run), not the clone’s', async (t) => {
  const result = await runHoist(['upload', 'step-1.png', '--metadata', 'stepId=relative'], { ...env, INIT_CWD: dir })
  t.equal(result.code, 0, result.stderr)
  t.same(
    (await listBy('stepId', 'relative')).map((record) => record.filename),
    ['step-1.png'],
  )
})

t.test('--json prints one record per line, with the file it came from', async (t) => {
  const result = await runHoist(['upload', photo, '--json', '--metadata', 'stepId=json'], env)
  t.equal(result.code, 0, result.stderr)
  const lines = result.stdout.trim().split('\n')
  t.equal(lines.length, 1)
  const record = JSON.parse(lines[0]!)
  t.equal(record.file, photo)
  t.equal(record.status, 'confirmed')
  t.equal(record.contentType, 'image/png', 'the type comes from the extension')
  t.same(record.metadata, { stepId: 'json' })
})

t.test('--private: the line names the record (no public URL), and the bucket serves it to no one', async (t) => {
  const result = await runHoist(['upload', photo, '--private', '--metadata', 'stepId=private'], env)
  t.equal(result.code, 0, result.stderr)
  const [record] = await listBy('stepId', 'private')
  t.match(record, { filename: 'step-1.png', visibility: 'private' })
  t.notOk(record!.url, 'no public URL')
  t.equal(result.stdout.trim(), `${photo} → ${record!.id}`)
  const download = await app.inject({ url: `/v1/uploads/${record!.id}/download`, headers: bearer({ workspace }) })
  const { url } = download.json<{ url: string }>()
  t.equal((await fetch(url)).status, 200, 'its short-lived download URL serves it')
  t.equal((await fetch(url.split('?')[0]!)).status, 403, 'its object, unsigned, is refused')
})

t.test('a refused file: exit 1, named with the API’s code and message; the others still upload', async (t) => {
  const result = await runHoist(['upload', notes, photo, '--metadata', 'stepId=mixed'], env)
  t.equal(result.code, 1)
  t.match(
    result.stderr,
    `${notes}: CONTENT_TYPE_NOT_ALLOWED: Files of type text/plain are not accepted`,
    'the failed file, its code and the API’s message',
  )
  t.match(result.stdout, `${photo} → http`)
  t.same(
    (await listBy('stepId', 'mixed')).map((record) => record.filename),
    ['step-1.png'],
  )
})

t.test(
  'upload rules in the token: each refusal names its code and rule; fixed metadata is filled in and marked',
  async (t) => {
    const rules = { contentTypes: ['image/*'], metadata: { blockId: 'b1' } }
    const ruled = { ...env, HOIST_TOKEN: mintToken({ workspace, upload: rules }) }
    const video = await runHoist(['upload', clip], ruled)
    t.equal(video.code, 1)
    t.match(
      video.stderr,
      `${clip}: TOKEN_CONTENT_TYPE_NOT_ALLOWED: This token allows uploads of image/* only, not video/mp4`,
    )
    const changed = await runHoist(['upload', photo, '--metadata', 'blockId=b2'], ruled)
    t.equal(changed.code, 1)
    t.match(changed.stderr, `${photo}: TOKEN_METADATA_FIXED: metadata.blockId is fixed by the token`)
    const filled = await runHoist(['upload', photo, '--json', '--metadata', 'stepId=ruled'], ruled)
    t.equal(filled.code, 0, filled.stderr)
    const record = JSON.parse(filled.stdout.trim())
    t.same(record.metadata, { stepId: 'ruled', blockId: 'b1' })
    t.same(record.fixedMetadata, ['blockId'])
  },
)

t.test('a missing file fails alone, named', async (t) => {
  const result = await runHoist(['upload', join(dir, 'gone.png'), '--json'], env)
  t.equal(result.code, 1)
  t.same(JSON.parse(result.stdout.trim()).error.code, 'ENOENT')
})

t.test('without a token: a usage error that says where the token comes from', async (t) => {
  const result = await runHoist(['upload', photo], { HOIST_API_URL: env.HOIST_API_URL, HOIST_TOKEN: '' })
  t.equal(result.code, 2)
  t.match(result.stderr, /HOIST_TOKEN/)
})
