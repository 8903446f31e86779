/**
 * The web client's two PUT transports for runtimes without XMLHttpRequest — fetchPut (any fetch) and nodePut
 * (node:http, `@hoist/web-client/node`) — keep one contract against the real MinIO: the bytes land, progress ends at
 * the size, a refusal is the storage server's code (also when it answers before the body is sent), a 412 the caller
 * accepts passes, a cancel is UploadCancelledError and a dead host NETWORK_ERROR. nodePut also has a silence budget
 * (node:http has none; fetch's is undici's, 300 s).
 */
import { openAsBlob } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { HoistUploadError, UploadCancelledError } from '../../../web-client/src/errors.js'
import { createNodePut, nodePut } from '../../../web-client/src/node-put.js'
import { fetchPut, type PutTransport } from '../../../web-client/src/transport.js'
import { createUpload } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { freePort } from '../../../infra/stack/ports.js'

const { app } = await startHoist(t)
const dir = await mkdtemp(join(tmpdir(), 'hoist-put-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

/** A file on disk, as Node hands one to the uploader (openAsBlob): 6 MiB, many socket buffers' worth. */
const size = 6 * 1024 * 1024
const bytes = fileOf('image/png', size)
await writeFile(join(dir, 'a.png'), bytes)
const file = await openAsBlob(join(dir, 'a.png'), { type: 'image/png' })

async function presign(): Promise<SingleInstructions> {
  const answer = await createUpload(app, { filename: 'a.png', contentType: 'image/png', size })
  const instructions = answer.json<SingleInstructions>()
  if (instructions.strategy !== 'single') throw new Error(`expected a single PUT: ${answer.body}`)
  return instructions
}

async function failure(put: Promise<void>): Promise<unknown> {
  return put.then(
    () => new Error('the PUT succeeded'),
    (error: unknown) => error,
  )
}

for (const [name, put] of [
  ['fetchPut', fetchPut],
  ['nodePut', nodePut],
] as [string, PutTransport][]) {
  t.test(name, async (t) => {
    t.test('the file lands whole, and progress ends at its size', async (t) => {
      const instructions = await presign()
      const seen: number[] = []
      await put(instructions.url, instructions.headers, file, { onProgress: (loaded) => seen.push(loaded) })
      t.equal(seen.at(-1), size)
      t.same(
        seen,
        [...seen].sort((a, b) => a - b),
        'never backwards',
      )
      const stored = await fetch(instructions.url.split('?')[0]!) // the bucket's uploads are public
      t.same(Buffer.from(await stored.arrayBuffer()).equals(bytes), true, 'the stored bytes are the file')
    })

    t.test('a refusal the server sends before reading the body is its code, not a broken pipe', async (t) => {
      const instructions = await presign()
      const headers = { ...instructions.headers, 'content-type': 'image/jpeg' }
      const error = await failure(put(instructions.url, headers, file, {}))
      t.type(error, HoistUploadError)
      t.equal((error as HoistUploadError).code, 'UPLOAD_REQUEST_CHANGED')
    })

    t.test('a 412 the caller accepts (a repeated PUT that had landed) passes; otherwise it fails', async (t) => {
      const instructions = await presign()
      await put(instructions.url, instructions.headers, file, {})
      await put(instructions.url, instructions.headers, file, { acceptStatus: (status) => status === 412 })
      const error = await failure(put(instructions.url, instructions.headers, file, {}))
      t.type(error, HoistUploadError)
    })

    t.test('a cancel, before or during the PUT, is UploadCancelledError', async (t) => {
      const instructions = await presign()
      t.type(
        await failure(put(instructions.url, instructions.headers, file, { signal: AbortSignal.abort() })),
        UploadCancelledError,
      )
      const controller = new AbortController()
      const during = put(instructions.url, instructions.headers, file, { signal: controller.signal })
      setImmediate(() => controller.abort())
      t.type(await failure(during), UploadCancelledError)
    })

    t.test('no server at the URL: NETWORK_ERROR', async (t) => {
      const url = `http://127.0.0.1:${await freePort()}/bucket/a.png`
      const error = await failure(put(url, {}, new Blob([bytes.subarray(0, 10)]), {}))
      t.type(error, HoistUploadError)
      t.equal((error as HoistUploadError).code, 'NETWORK_ERROR')
    })
  })
}

t.test(
  'nodePut: a storage server that takes the request and then says nothing is a NETWORK_ERROR once silent',
  { timeout: 20_000 }, // a regression hangs: fail it in seconds
  async (t) => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => {
      sockets.add(socket)
      socket.pause() // never reads past what the kernel buffers, never answers
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    t.teardown(() => {
      for (const socket of sockets) socket.destroy()
      silent.close()
    })
    const { port } = silent.address() as { port: number }
    const put = createNodePut({ silenceTimeoutMs: 300 })
    for (const [what, body] of [
      ['a body the socket buffers at once, then no answer', new Blob([bytes.subarray(0, 10)])],
      ['6 MiB, more than the socket buffers: sending stalls', file],
    ] as const) {
      const error = await failure(put(`http://127.0.0.1:${port}/bucket/a.png`, {}, body, {}))
      t.type(error, HoistUploadError, what)
      t.match((error as HoistUploadError).message, /silent for 0.3 s/, what)
    }
  },
)
