/**
 * `hoist gc` over 100,000 app documents and 10,000 confirmed uploads (each a small object in the bucket), as an operator
 * runs it: the built CLI, everything included. 1,000 uploads are attached, 4,000 referenced from the documents (half
 * by URL in a nested array, half by URL with a query string inside HTML text), 5,000 referenced by nothing: those are
 * deleted. Timed: a dry run, the run that deletes, and a dry run over a tenth of the documents (its peak memory beside
 * the full one's shows what the document count costs). Peak memory is the CLI process's VmHWM, read from /proc while
 * it runs.
 */
import { spawn } from 'node:child_process'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { MongoClient, type Db } from 'mongodb'
import { builtCodeEnv } from '../infra/source-condition.js'
import { stackEnv, type Stack } from '../infra/stack/index.js'
import { mapConcurrent } from '../server/src/concurrency.js'
import { parseGcReport, type GcReport } from '../server/src/gc/report.js'
import type { UploadRecord } from '../server/src/uploads/record.js'
import { confirmedRecord, UPLOADS_COLLECTION } from './confirmed-record.js'
import { peakRssMiB } from './process-stats.js'
import { BENCH_JWT_SECRET, stackS3Client } from './servers.js'

const DOCUMENTS = 100_000
const UPLOADS = 10_000
const ATTACHED = 1_000
const REFERENCED = 4_000
const BATCH = 1_000

export interface GcRow {
  run: string
  documents: number
  seconds: number
  peakRssMiB: number
  deleted: number
  unreferenced: number
  /** The report's own timers: candidates, documents, deletes (checks only, in a dry run). */
  steps: GcReport['seconds']
}

/** Runs the built CLI to its end: wall seconds, the highest VmHWM seen, and what it printed. */
function measured(args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; peak: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['server/dist/cli/hoist.js', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let peak = 0
    const sample = setInterval(() => {
      try {
        peak = Math.max(peak, peakRssMiB(child.pid!))
      } catch {
        // Exited between two samples.
      }
    }, 50)
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(sample)
      const seconds = (performance.now() - started) / 1000
      if (code === 0) resolve({ seconds, peak, stdout })
      else reject(new Error(`hoist ${args[0]} exited with ${code}:\n${stderr.slice(-3000)}`))
    })
  })
}

async function uploadRecords(stack: Stack, bucket: string, hoistDb: Db): Promise<UploadRecord[]> {
  const confirmedAt = new Date(Date.now() - 30 * 86_400_000)
  const records = Array.from({ length: UPLOADS }, () => confirmedRecord(stack, bucket, confirmedAt))
  for (let i = 0; i < UPLOADS; i += BATCH)
    await hoistDb.collection<UploadRecord>(UPLOADS_COLLECTION).insertMany(records.slice(i, i + BATCH))
  await hoistDb.collection('upload_attachments').insertMany(
    records.slice(0, ATTACHED).map((record) => ({
      _id: `${record._id} walkthroughs/${record._id}` as never,
      workspaceId: 'bench',
      uploadId: record._id,
      reference: `walkthroughs/${record._id}`,
      attachedAt: confirmedAt,
    })),
  )
  const s3 = stackS3Client(stack)
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b49444154789c6300010000050001',
    'hex',
  )
  await mapConcurrent(records, 16, (record) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: record.key, Body: png, ContentType: 'image/png' })),
  )
  s3.destroy()
  return records
}

/** Walkthroughs shaped like the app's: steps → blocks, text in HTML; the first 4,000 each reference one upload. */
function walkthrough(index: number, referenced: UploadRecord | undefined): Record<string, unknown> {
  const image = referenced && index % 2 === 0 ? [{ type: 'image', data: { url: referenced.url, caption: 'x' } }] : []
  const html = referenced && index % 2 === 1 ? `<img src="${referenced.url}?w=640&amp;v=2">` : ''
  return {
    title: `Walkthrough ${index}`,
    ownerId: `user-${index % 500}`,
    steps: [
      {
        title: 'First',
        blocks: [{ type: 'text', data: { html: `<p>Open the menu and pick item ${index}.</p>${html}` } }],
      },
      { title: 'Second', blocks: [...image, { type: 'text', data: { html: '<p>See https://example.com/help</p>' } }] },
    ],
    updatedAt: new Date(),
  }
}

async function appDocuments(appDb: Db, records: UploadRecord[]): Promise<void> {
  for (let i = 0; i < DOCUMENTS; i += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, j) =>
      walkthrough(i + j, i + j < REFERENCED ? records[ATTACHED + i + j] : undefined),
    )
    await appDb.collection('walkthroughs').insertMany(batch)
    if (i < DOCUMENTS / 10) await appDb.collection('tenth').insertMany(batch.map(({ ...doc }) => doc))
  }
}

export async function benchGc(
  stack: Stack,
  bucket: string,
  database: string,
  log: (line: string) => void,
): Promise<GcRow[]> {
  const mongo = await new MongoClient(stack.mongoUri).connect()
  const hoistDb = mongo.db(`${database}_hoist`)
  const appDb = mongo.db(`${database}_app`)
  const env = {
    ...builtCodeEnv(),
    ...stackEnv(stack, bucket),
    MONGO_DB_NAME: hoistDb.databaseName,
    JWT_SECRET: BENCH_JWT_SECRET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
  const rows: GcRow[] = []
  const gc = async (run: string, collection: string, documents: number, extra: string[] = []): Promise<GcReport> => {
    const args = ['gc', '--db', appDb.databaseName, '--collection', collection, '--json', ...extra]
    const { seconds, peak, stdout } = await measured(args, env)
    const report = parseGcReport(stdout)
    const row = {
      run,
      documents,
      seconds: Number(seconds.toFixed(2)),
      peakRssMiB: Number(peak.toFixed(1)),
      deleted: report.deleted.count,
      unreferenced: report.unreferenced.count,
      steps: report.seconds,
    }
    log(`bench: ${run}: ${row.seconds} s, peak ${row.peakRssMiB} MiB`)
    rows.push(row)
    return report
  }
  try {
    log(`bench: gc: ${UPLOADS} upload records and objects, ${DOCUMENTS} app documents`)
    const records = await uploadRecords(stack, bucket, hoistDb)
    await appDocuments(appDb, records)
    await gc('dry run, a tenth of the documents', 'tenth', DOCUMENTS / 10, ['--dry-run'])
    const dry = await gc('dry run', 'walkthroughs', DOCUMENTS, ['--dry-run'])
    const real = await gc('run (deletes)', 'walkthroughs', DOCUMENTS)
    const expected = UPLOADS - ATTACHED - REFERENCED
    if (dry.unreferenced.count !== expected || real.deleted.count !== expected || real.failed.length > 0)
      throw new Error(
        `gc: expected ${expected} deleted, dry run found ${dry.unreferenced.count}, run deleted ${real.deleted.count}`,
      )
  } finally {
    await hoistDb.dropDatabase()
    await appDb.dropDatabase()
    await mongo.close()
  }
  return rows
}
