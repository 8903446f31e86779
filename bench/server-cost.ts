/**
 * The server's cost of an upload: 20 concurrent 50 MB uploads done Hoist's way (the API signs, the bytes go
 * straight to MinIO, the API confirms) against the guide's first sketch (the API receives each file, holds it,
 * and calls PutObject). Measured on the API process: peak memory, CPU seconds per GB, wall time of the batch.
 */
import type { Stack } from '../infra/stack/index.js'
import { mapConcurrent } from '../server/src/concurrency.js'
import { cpuSeconds, peakRssMiB, resetPeak, rssMiB } from './process-stats.js'
import { benchToken, startHoistApi, startProxy, type ServerProcess } from './servers.js'

export interface ServerCostRow {
  variant: string
  wallSeconds: number
  cpuSecondsPerGB: number
  /** CPU of the first uploads a fresh process serves, before the measured ones. */
  warmupCpuSeconds: number
  idleRssMiB: number
  peakRssMiB: number
}

const FILES = 20
const SIZE = 50 * 1024 * 1024

function mp4(size: number): Buffer<ArrayBuffer> {
  const bytes = Buffer.alloc(size, 7)
  bytes.set([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')], 0)
  // confirm checks the box after ftyp too: mdat, size 0 (to the end of the file).
  bytes.set([0, 0, 0, 0, ...Buffer.from('mdat')], 0x18)
  return bytes
}

/**
 * A fresh process pays once for what its first requests build (compiled serializers, the S3 client's middleware,
 * connection pools), and keeps getting cheaper per request for thousands of them while V8 optimizes the hot code
 * (bench/confirm.ts). Neither is a cost per GB, so WARMUP_SMALL_FILES uploads of a 4 KiB file (16 at a time) and then
 * WARMUP_FILES of the measured size go first, for both servers alike, and their CPU is reported on its own;
 * everything after, idle timers and driver monitoring included, is counted.
 */
const WARMUP_SMALL_FILES = 1_000
const WARMUP_FILES = 2

async function measure(
  server: ServerProcess,
  variant: string,
  uploadOne: (i: number, body: Buffer<ArrayBuffer>) => Promise<void>,
): Promise<ServerCostRow> {
  const small = mp4(4096)
  const body = mp4(SIZE)
  const warmupBefore = cpuSeconds(server.pid)
  const smallOnes = Array.from({ length: WARMUP_SMALL_FILES }, (_, i) => FILES + WARMUP_FILES + i)
  await mapConcurrent(smallOnes, 16, (i) => uploadOne(i, small))
  await Promise.all(Array.from({ length: WARMUP_FILES }, (_, i) => uploadOne(FILES + i, body)))
  const warmupCpuSeconds = cpuSeconds(server.pid) - warmupBefore
  const idle = rssMiB(server.pid)
  resetPeak(server.pid)
  const cpuBefore = cpuSeconds(server.pid)
  const started = performance.now()
  await Promise.all(Array.from({ length: FILES }, (_, i) => uploadOne(i, body)))
  const wall = (performance.now() - started) / 1000
  const gigabytes = (FILES * SIZE) / 2 ** 30
  return {
    variant,
    wallSeconds: Number(wall.toFixed(2)),
    cpuSecondsPerGB: Number(((cpuSeconds(server.pid) - cpuBefore) / gigabytes).toFixed(3)),
    warmupCpuSeconds: Number(warmupCpuSeconds.toFixed(3)),
    idleRssMiB: Math.round(idle),
    peakRssMiB: Math.round(peakRssMiB(server.pid)),
  }
}

export async function benchServerCost(stack: Stack, bucket: string, database: string): Promise<ServerCostRow[]> {
  const token = benchToken()
  const auth = { authorization: `Bearer ${token}` }
  const rows: ServerCostRow[] = []

  const api = await startHoistApi(stack, bucket, `${database}_cost`, {
    MULTIPART_THRESHOLD_BYTES: String(100 * 1024 * 1024),
  })
  try {
    rows.push(
      await measure(api, 'Hoist: presign → direct PUT → confirm', async (i, body) => {
        const created = (await (
          await fetch(`${api.url}/v1/uploads`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ filename: `v${i}.mp4`, contentType: 'video/mp4', size: body.length }),
          })
        ).json()) as { id: string; url: string; headers: Record<string, string> }
        const put = await fetch(created.url, { method: 'PUT', headers: created.headers, body })
        if (!put.ok) throw new Error(`PUT ${put.status}`)
        const confirmed = await fetch(`${api.url}/v1/uploads/${created.id}/confirm`, {
          method: 'POST',
          headers: auth,
        })
        if (!confirmed.ok) throw new Error(`confirm ${confirmed.status}`)
      }),
    )
  } finally {
    await api.stop()
  }

  const proxy = await startProxy(stack, bucket)
  try {
    rows.push(
      await measure(proxy, 'Guide’s sketch: API receives file, PutObject', async (_, body) => {
        const response = await fetch(`${proxy.url}/upload`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body,
        })
        if (!response.ok) throw new Error(`proxy upload ${response.status}`)
      }),
    )
  } finally {
    await proxy.stop()
  }
  return rows
}
