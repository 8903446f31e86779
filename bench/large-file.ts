/**
 * Large-file throughput: a 1 GB file through Hoist's multipart uploader (the real web client, fetch transport) at
 * 1, 4 and 8 parallel parts, against a single presigned PUT, against a raw loopback copy (an HTTP sink that
 * discards the bytes) as the ceiling.
 */
import { openAsBlob } from 'node:fs'
import { rm, writeFile, mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSigner } from 'fast-jwt'
import type { Stack } from '../infra/stack/index.js'
import { createUploader, fetchPut, memoryResumeStore } from '../web-client/src/index.js'
import { BENCH_JWT_SECRET, startHoistApi } from './servers.js'

export interface LargeFileRow {
  variant: string
  seconds: number
  megabytesPerSecond: number
}

const SIZE = 1024 * 1024 * 1024

/** The same bytes over loopback HTTP to a sink that discards them, in 8 parallel streams like the fastest upload. */
async function rawLoopbackCopy(file: Blob): Promise<number> {
  const sink = createServer((request, response) => {
    request.on('data', () => undefined)
    request.on('end', () => response.end())
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`
    const streams = 8
    const slice = Math.ceil(file.size / streams)
    const started = performance.now()
    await Promise.all(
      Array.from({ length: streams }, (_, i) =>
        fetch(url, { method: 'PUT', body: file.slice(i * slice, (i + 1) * slice) }),
      ),
    )
    return (performance.now() - started) / 1000
  } finally {
    sink.close()
  }
}

export async function benchLargeFile(stack: Stack, bucket: string, database: string): Promise<LargeFileRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-bench-'))
  const path = join(dir, 'walkthrough.mp4')
  const header = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')])
  const chunk = Buffer.alloc(64 * 1024 * 1024, 3)
  chunk.set(header, 0)
  // confirm checks the box after ftyp too: mdat, size 0 (to the end of the file).
  chunk.set([0, 0, 0, 0, ...Buffer.from('mdat')], header.length)
  await writeFile(
    path,
    Buffer.concat(
      Array.from({ length: SIZE / chunk.length }, (_, i) => (i === 0 ? chunk : Buffer.alloc(chunk.length, i))),
    ),
  )
  const file = await openAsBlob(path, { type: 'video/mp4' })
  const token = createSigner({ key: BENCH_JWT_SECRET, expiresIn: 3_600_000 })({ sub: 'bench', workspace: 'bench' })
  const rows: LargeFileRow[] = []
  const row = (variant: string, seconds: number): LargeFileRow => ({
    variant,
    seconds: Number(seconds.toFixed(2)),
    megabytesPerSecond: Math.round(SIZE / 2 ** 20 / seconds),
  })
  try {
    rows.push(row('Raw loopback copy, 8 streams (ceiling)', await rawLoopbackCopy(file)))
    for (const [variant, extra, concurrency] of [
      ['Single presigned PUT', { MULTIPART_THRESHOLD_BYTES: String(5 * 1024 ** 3) }, 1],
      ['Hoist multipart, 1 part at a time', {}, 1],
      ['Hoist multipart, 4 parallel parts', {}, 4],
      ['Hoist multipart, 8 parallel parts', {}, 8],
    ] as const) {
      const api = await startHoistApi(stack, bucket, `${database}_large`, {
        ...extra,
        MAX_VIDEO_BYTES: String(2 * SIZE),
      })
      try {
        const uploader = createUploader({
          apiUrl: api.url,
          getToken: () => token,
          transport: fetchPut,
          resumeStore: memoryResumeStore(),
          multipart: { concurrency },
        })
        const started = performance.now()
        const record = await uploader.upload(file, { filename: `${variant}.mp4`, checksum: false })
        const seconds = (performance.now() - started) / 1000
        if (record.status !== 'confirmed' || record.size !== SIZE) throw new Error(`${variant}: not confirmed`)
        rows.push(row(variant, seconds))
        await uploader.api.remove(record.id)
      } finally {
        await api.stop()
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return rows
}
