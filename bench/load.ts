/**
 * A bounded load run on loopback: 50 concurrent clients × 20 uploads each through presign, PUT and confirm
 * against the listening API. Nothing may be lost (confirmed records and objects match one to one, and the
 * doctor's report is clean); the per-step latencies are recorded, never asserted.
 */
import { createSigner } from 'fast-jwt'
import { MongoClient } from 'mongodb'
import type { Stack } from '../infra/stack/index.js'
import { runDoctor } from '../server/src/doctor/doctor.js'
import { openObjectStore } from '../server/src/storage/open-object-store.js'
import { MongoLedger } from '../server/src/storage/mongo-ledger.js'
import { rssMiB } from './process-stats.js'
import { BENCH_JWT_SECRET, stackConfig, startHoistApi } from './servers.js'

const CLIENTS = 50
const UPLOADS_PER_CLIENT = 20

export interface LoadResult {
  uploads: number
  seconds: number
  steps: { step: string; p50Ms: number; p99Ms: number; maxMs: number }[]
  confirmedRecords: number
  objects: number
  doctorClean: boolean
  failures: string[]
}

export function percentile(sorted: number[], p: number): number {
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(1))
}

/** Drives an API process started here (the benchmark). */
export async function runLoad(stack: Stack, bucket: string, database: string): Promise<LoadResult> {
  const api = await startHoistApi(stack, bucket, database)
  try {
    return await loadAgainst(api.url, stack, bucket, database, BENCH_JWT_SECRET, CLIENTS, UPLOADS_PER_CLIENT)
  } finally {
    await api.stop()
  }
}

export interface SoakResult extends LoadResult {
  /** The API's resident memory, sampled every second: [uploads done so far, MiB]. */
  rss: [number, number][]
  /** After the first fifth of the uploads (warm-up), at the end, and the highest seen after warm-up. */
  warmRssMiB: number
  endRssMiB: number
  maxRssAfterWarmUpMiB: number
}

/** 5,000 uploads (25 clients × 200) against one API process, sampling its RSS: memory must not grow after warm-up. */
export async function runSoak(stack: Stack, bucket: string, database: string): Promise<SoakResult> {
  const clients = 25
  const perClient = 200
  const api = await startHoistApi(stack, bucket, database)
  const rss: [number, number][] = []
  let done = 0
  const sampler = setInterval(() => rss.push([done, Math.round(rssMiB(api.pid))]), 1000)
  try {
    const result = await loadAgainst(
      api.url,
      stack,
      bucket,
      database,
      BENCH_JWT_SECRET,
      clients,
      perClient,
      () => done++,
    )
    rss.push([done, Math.round(rssMiB(api.pid))])
    const warmUp = (clients * perClient) / 5
    const afterWarmUp = rss.filter(([uploads]) => uploads >= warmUp).map(([, mib]) => mib)
    return {
      ...result,
      rss,
      warmRssMiB: afterWarmUp[0] ?? 0,
      endRssMiB: rss.at(-1)![1],
      maxRssAfterWarmUpMiB: Math.max(...afterWarmUp),
    }
  } finally {
    clearInterval(sampler)
    await api.stop()
  }
}

/** The load itself, against any listening API on this stack; the CI test runs a smaller one. */
export async function loadAgainst(
  apiUrl: string,
  stack: Stack,
  bucket: string,
  database: string,
  jwtSecret: string,
  clients: number,
  perClient: number,
  onUploaded: () => void = () => undefined,
): Promise<LoadResult> {
  // One workspace per run (named after its database): runs that share the bucket do not see each other's objects.
  const workspace = database
  const png = Buffer.alloc(20_000, 9)
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0)
  const timings: Record<string, number[]> = { presign: [], put: [], confirm: [] }
  const failures: string[] = []
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    try {
      return await work()
    } finally {
      timings[step]!.push(performance.now() - started)
    }
  }
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      const token = createSigner({ key: jwtSecret, expiresIn: 3_600_000 })({ sub: `user-${client}`, workspace })
      const auth = { authorization: `Bearer ${token}` }
      for (let i = 0; i < perClient; i++) {
        try {
          const created = await timed('presign', async () => {
            const response = await fetch(`${apiUrl}/v1/uploads`, {
              method: 'POST',
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({ filename: `c${client}-${i}.png`, contentType: 'image/png', size: png.length }),
            })
            if (response.status !== 201) throw new Error(`presign ${response.status} ${await response.text()}`)
            return (await response.json()) as { id: string; url: string; headers: Record<string, string> }
          })
          await timed('put', async () => {
            const response = await fetch(created.url, { method: 'PUT', headers: created.headers, body: png })
            if (!response.ok) throw new Error(`PUT ${response.status}`)
            await response.arrayBuffer()
          })
          await timed('confirm', async () => {
            const response = await fetch(`${apiUrl}/v1/uploads/${created.id}/confirm`, {
              method: 'POST',
              headers: auth,
            })
            if (response.status !== 200) throw new Error(`confirm ${response.status} ${await response.text()}`)
            await response.arrayBuffer()
          })
          onUploaded()
        } catch (error) {
          failures.push((error as Error).message)
        }
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000

  // The invariant, checked from the outside: records and objects one to one, and the doctor agrees.
  const config = stackConfig(stack, bucket, database, jwtSecret)
  const mongo = await new MongoClient(stack.mongoUri).connect()
  const store = openObjectStore(config)
  try {
    const ledger = new MongoLedger(mongo.db(database))
    const confirmedRecords = await mongo
      .db(database)
      .collection('uploads')
      .countDocuments({ workspaceId: workspace, status: 'confirmed' })
    let objects = 0
    for await (const _ of store.list(`${config.s3KeyPrefix}${workspace}/`)) objects++
    const doctor = await runDoctor({
      maintenance: ledger,
      store,
      keyPrefix: `${config.s3KeyPrefix}${workspace}/`,
      graceMs: 0,
      fix: false,
    })
    return {
      uploads: clients * perClient,
      seconds: Number(seconds.toFixed(1)),
      steps: Object.entries(timings).map(([step, values]) => {
        const sorted = [...values].sort((a, b) => a - b)
        return { step, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: percentile(sorted, 100) }
      }),
      confirmedRecords,
      objects,
      doctorClean: doctor.clean,
      failures,
    }
  } finally {
    await mongo.close()
    store.close()
  }
}
