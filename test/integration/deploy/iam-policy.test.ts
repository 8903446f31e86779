/**
 * infra/aws/iam-policy.json is enough for the API and no more: the API runs as its own process with credentials
 * limited by exactly that policy (MinIO STS, the policy inline), serves every kind of request without a refusal,
 * and those credentials cannot list the bucket outside the prefix.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { assumeRoleWithPolicy } from '../../helpers/sts.js'
import { bearer } from '../../helpers/tokens.js'

const { config, stack } = await startHoist(t)
const policy = JSON.parse(readFileSync('infra/aws/iam-policy.json', 'utf8').replaceAll('YOUR-BUCKET', config.s3Bucket))
const credentials = await assumeRoleWithPolicy(stack.s3, policy)

// The SDK's default chain reads the session from a profile (env keys would become the config's static keys).
const dir = mkdtempSync(join(tmpdir(), 'hoist-iam-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const credentialsFile = join(dir, 'credentials')
writeFileSync(
  credentialsFile,
  `[hoist-policy]\naws_access_key_id = ${credentials.accessKeyId}\n` +
    `aws_secret_access_key = ${credentials.secretAccessKey}\naws_session_token = ${credentials.sessionToken}\n`,
)
const api = await startApiProcess({
  entry: 'source',
  env: {
    ...cliEnv(stack, config),
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_PROFILE: 'hoist-policy',
    LOG_LEVEL: 'warn',
  },
})
t.teardown(async () => {
  api.child.kill('SIGKILL')
  await api.exited
})

/** The HTTP status an SDK call ended with. */
const statusOf = (call: Promise<unknown>): Promise<number | undefined> =>
  call.then(
    () => 200,
    (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
  )

const call = (method: string, path: string, body?: unknown): Promise<Response> =>
  fetch(`${api.url}${path}`, {
    method,
    headers: { ...bearer(), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })

t.test('ready: the bucket check needs no more than the policy grants', async (t) => {
  const ready = await fetch(`${api.url}/readyz`)
  t.equal(ready.status, 200, await ready.text())
})

t.test('presign, a confirm too early, PUT, confirm, download and delete all work under the policy', async (t) => {
  const bytes = fileOf('image/png', 3000)
  const created = await call('POST', '/v1/uploads', { filename: 'a.png', contentType: 'image/png', size: 3000 })
  t.equal(created.status, 201)
  const instructions = (await created.json()) as SingleInstructions
  const early = await call('POST', `/v1/uploads/${instructions.id}/confirm`)
  t.equal(early.status, 409, 'a missing object is "not uploaded yet", not a refusal')
  const put = await fetch(instructions.url, { method: 'PUT', headers: instructions.headers, body: bytes })
  t.equal(put.status, 200, 'the URL signed with the limited credentials uploads')
  const confirmed = await call('POST', `/v1/uploads/${instructions.id}/confirm`)
  t.equal(confirmed.status, 200, await confirmed.clone().text())
  t.equal(((await confirmed.json()) as { status: string }).status, 'confirmed')
  const download = (await (await call('GET', `/v1/uploads/${instructions.id}/download`)).json()) as { url: string }
  t.equal((await fetch(download.url)).status, 200)
  t.equal((await call('DELETE', `/v1/uploads/${instructions.id}`)).status, 204)
})

t.test('a private upload is served through download under the policy, never anonymously (control 41)', async (t) => {
  const bytes = fileOf('image/png', 2000, 4)
  const body = { filename: 'invoice.png', contentType: 'image/png', size: 2000, visibility: 'private' }
  const instructions = (await (await call('POST', '/v1/uploads', body)).json()) as SingleInstructions
  t.match(instructions.key, /^uploads\/\.private\/files\//)
  t.equal((await fetch(instructions.url, { method: 'PUT', headers: instructions.headers, body: bytes })).status, 200)
  t.equal((await call('POST', `/v1/uploads/${instructions.id}/confirm`)).status, 200)
  const download = (await (await call('GET', `/v1/uploads/${instructions.id}/download`)).json()) as { url: string }
  t.equal((await fetch(download.url)).status, 200, 'the limited credentials sign a GET that works')
  const anonymous = await fetch(`${stack.s3.endpoint}/${config.s3Bucket}/${instructions.key}`)
  t.equal(anonymous.status, 403)
})

t.test('a multipart upload is created, listed and aborted under the policy', async (t) => {
  const created = await call('POST', '/v1/uploads', {
    filename: 'v.mp4',
    contentType: 'video/mp4',
    size: 100 * 2 ** 20,
  })
  t.equal(created.status, 201)
  const { id, strategy } = (await created.json()) as { id: string; strategy: string }
  t.equal(strategy, 'multipart')
  t.equal((await call('GET', `/v1/uploads/${id}/parts`)).status, 200)
  t.equal((await call('DELETE', `/v1/uploads/${id}`)).status, 204)
})

t.test('the API was refused nothing', async (t) => {
  t.notMatch(api.output(), /AccessDenied|Forbidden|403/)
})

t.test('the same credentials cannot list the bucket outside the prefix, nor HEAD it', async (t) => {
  const s3 = new S3Client({
    region: stack.s3.region,
    endpoint: stack.s3.endpoint,
    forcePathStyle: true,
    credentials,
  })
  t.teardown(() => s3.destroy())
  const root = new S3Client({
    region: stack.s3.region,
    endpoint: stack.s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  })
  t.teardown(() => root.destroy())
  await root.send(new PutObjectCommand({ Bucket: config.s3Bucket, Key: 'private/b.txt', Body: 'not hoist’s' }))
  const bucket = config.s3Bucket
  await t.rejects(s3.send(new ListObjectsV2Command({ Bucket: bucket })), { name: 'AccessDenied' }, 'no prefix')
  await t.rejects(s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'private/' })), { name: 'AccessDenied' })
  await t.rejects(s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'upload' })), { name: 'AccessDenied' })
  t.equal(await statusOf(s3.send(new HeadBucketCommand({ Bucket: bucket }))), 403, 'HeadBucket')
  t.ok(await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'uploads/ws-a/' })), 'under the prefix: yes')
})
