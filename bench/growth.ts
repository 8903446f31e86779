/**
 * Growth: does a workspace's size weigh on the API's CPU per presign and per confirm? A workspace holding 1,000
 * confirmed uploads against one holding 100,000, each in a database of its own. The records go straight into the
 * ledger's collection through the driver, after the ledger's indexes exist (so each insert maintains them, as the
 * API's own do). Each run is a fresh API process: WARMUP uploads (presign, PUT, confirm) not counted, then REQUESTS
 * presigns and REQUESTS confirms, the API's CPU read from /proc around each of the two phases; the PUTs between them
 * go to MinIO and are not counted. Rounds interleave the two sizes so the machine's other work falls on both alike,
 * and each run's own uploads are deleted after it, so every run starts at the seeded count. Only the ledger's
 * collection is seeded: a process reads the head of a workspace's event stream and of its quota journal once (in the
 * warm-up) and then only appends after it, so their length weighs on no measured request.
 * BENCH_GROWTH_RECORDS (the larger workspace, default 100,000) and BENCH_GROWTH_ROUNDS (default 3) narrow a run.
 */
import { MongoClient, type Db } from 'mongodb'
import type { Stack } from '../infra/stack/index.js'
import { mapConcurrent } from '../server/src/concurrency.js'
import { MongoLedger } from '../server/src/storage/mongo-ledger.js'
import type { UploadRecord } from '../server/src/uploads/record.js'
import { confirmedRecord, UPLOADS_COLLECTION } from './confirmed-record.js'
import { median } from './median.js'
import { cpuSeconds } from './process-stats.js'
import { startHoistApi, type ServerProcess } from './servers.js'
import { benchAuth, confirmUpload, presignPng, putPng } from './upload-steps.js'

export interface GrowthRow {
  records: number
  /** Presigns, and confirms, measured in each run. */
  requests: number
  /** Wall seconds the driver took to insert the records. */
  seedSeconds: number
  /** API CPU µs per request, one figure per round. */
  presignMicros: number[]
  confirmMicros: number[]
  medianPresignMicros: number
  medianConfirmMicros: number
  medianPresignsPerSecond: number
  medianConfirmsPerSecond: number
  errors: number
}

const SMALL = 1_000
const REQUESTS = 300
/**
 * Uploads a fresh process makes before the measured ones: its first requests build what later ones reuse, and the
 * workspace's first quota entry sums its records once (storage/quota-journal.ts) — a cost per workspace, not per
 * request.
 */
const WARMUP = 50
const CONNECTIONS = 16
/**
 * Records per insertMany. Seeding is not what bounds this benchmark: 100,000 records took 26 s on FerretDB v1.24.2 on
 * PostgreSQL 15 (2 cores shared with other work, 2026-12), and 20,000 took 7.7 s.
 */
const BATCH = 1_000

interface Run {
  presignMicros: number
  confirmMicros: number
  presignsPerSecond: number
  confirmsPerSecond: number
  errors: number
}

/** Confirmed records created a minute apart up to now, so ids and keys spread over time as the API's do. */
async function seed(stack: Stack, bucket: string, db: Db, records: number): Promise<number> {
  await new MongoLedger(db).ensureIndexes()
  const uploads = db.collection<UploadRecord>(UPLOADS_COLLECTION)
  const now = Date.now()
  const started = performance.now()
  for (let first = 0; first < records; first += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, records - first) }, (_, i) =>
      confirmedRecord(stack, bucket, new Date(now - (records - first - i) * 60_000)),
    )
    await uploads.insertMany(batch)
  }
  return (performance.now() - started) / 1000
}

/** Runs one phase: its results, the API's CPU µs per request and the requests per second. */
async function phase<T>(
  api: ServerProcess,
  work: () => Promise<T[]>,
): Promise<{ results: T[]; micros: number; perSecond: number }> {
  const cpuBefore = cpuSeconds(api.pid)
  const started = performance.now()
  const results = await work()
  const seconds = (performance.now() - started) / 1000
  const cpu = cpuSeconds(api.pid) - cpuBefore
  return {
    results,
    micros: Math.round((cpu * 1e6) / results.length),
    perSecond: Math.round(results.length / seconds),
  }
}

async function measure(stack: Stack, bucket: string, db: Db): Promise<Run> {
  const api = await startHoistApi(stack, bucket, db.databaseName)
  const auth = benchAuth()
  const created: string[] = []
  try {
    // A workspace's first presign opens its quota journal by reading the size of every upload it has
    // (storage/quota-journal.ts): one presign pays that alone (presigns beside it would wait in line, then get 503).
    created.push((await presignPng(api, auth, 'opening.png')).id)
    await mapConcurrent(Array.from({ length: WARMUP }), CONNECTIONS, async (_, i) => {
      const presigned = await presignPng(api, auth, `warm-${i}.png`)
      created.push(presigned.id)
      await putPng(presigned)
      await confirmUpload(api, auth, presigned.id)
    })
    const presigns = await phase(api, () =>
      mapConcurrent(Array.from({ length: REQUESTS }), CONNECTIONS, (_, i) => presignPng(api, auth, `g-${i}.png`)),
    )
    created.push(...presigns.results.map((presigned) => presigned.id))
    await mapConcurrent(presigns.results, CONNECTIONS, putPng)
    const confirms = await phase(api, () =>
      mapConcurrent(presigns.results, CONNECTIONS, (presigned) => confirmUpload(api, auth, presigned.id)),
    )
    return {
      presignMicros: presigns.micros,
      confirmMicros: confirms.micros,
      presignsPerSecond: presigns.perSecond,
      confirmsPerSecond: confirms.perSecond,
      errors: confirms.results.filter((confirm) => !confirm.ok).length,
    }
  } finally {
    await api.stop()
    await db.collection<UploadRecord>(UPLOADS_COLLECTION).deleteMany({ _id: { $in: created } })
  }
}

export async function benchGrowth(
  stack: Stack,
  bucket: string,
  database: string,
  log: (line: string) => void,
): Promise<GrowthRow[]> {
  const sizes = [SMALL, Number(process.env.BENCH_GROWTH_RECORDS ?? 100_000)]
  const rounds = Number(process.env.BENCH_GROWTH_ROUNDS ?? 3)
  const mongo = await new MongoClient(stack.mongoUri).connect()
  const databases = sizes.map((_, i) => mongo.db(`${database}_growth_${i}`))
  try {
    const seedSeconds: number[] = []
    for (const [i, records] of sizes.entries()) {
      seedSeconds.push(await seed(stack, bucket, databases[i]!, records))
      log(`bench: growth: ${records} records seeded in ${seedSeconds[i]!.toFixed(1)} s`)
    }
    const runs: Run[][] = sizes.map(() => [])
    for (let round = 1; round <= rounds; round++)
      for (const [i, records] of sizes.entries()) {
        const run = await measure(stack, bucket, databases[i]!)
        log(`bench: growth: ${records} records, round ${round}: ${JSON.stringify(run)}`)
        runs[i]!.push(run)
      }
    return sizes.map((records, i) => {
      const each = runs[i]!
      return {
        records,
        requests: REQUESTS,
        seedSeconds: Number(seedSeconds[i]!.toFixed(1)),
        presignMicros: each.map((run) => run.presignMicros),
        confirmMicros: each.map((run) => run.confirmMicros),
        medianPresignMicros: median(each.map((run) => run.presignMicros)),
        medianConfirmMicros: median(each.map((run) => run.confirmMicros)),
        medianPresignsPerSecond: median(each.map((run) => run.presignsPerSecond)),
        medianConfirmsPerSecond: median(each.map((run) => run.confirmsPerSecond)),
        errors: each.reduce((sum, run) => sum + run.errors, 0),
      }
    })
  } finally {
    for (const db of databases) await db.dropDatabase()
    await mongo.close()
  }
}
