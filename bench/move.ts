/**
 * `hoist move` against `aws s3 sync` between the same buckets of the same MinIO: 2,000 PNGs (~50 KB each) under the
 * key prefix, each referenced by one app document. Timed as an operator runs it, everything included: the built CLI's
 * start, creating and setting up the target bucket, the copies (each GET, PUT with a SHA-256 the target verifies, and
 * HEAD to read it back), and 2,000 document rewrites. `aws s3 sync` only copies, and between buckets of one endpoint
 * it asks the server to copy (CopyObject): no byte passes through it (awscli from PyPI in a cached venv, its default
 * 10 requests in flight). Peak memory from /usr/bin/time. Runs interleaved, one of each per round; medians reported.
 * BENCH_MOVE_ROUNDS (default 3) and BENCH_MOVE_CONCURRENCY (default 4,16) narrow a run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { MongoClient } from 'mongodb'
import { builtCodeEnv } from '../infra/source-condition.js'
import { stackEnv, type Stack } from '../infra/stack/index.js'
import { mapConcurrent } from '../server/src/concurrency.js'
import { noisePng } from '../test/helpers/png.js'
import { awsCli } from './awscli.js'
import { median } from './median.js'
import { runTimed } from './timed-command.js'
import { BENCH_JWT_SECRET, stackS3Client } from './servers.js'

export interface MoveRow {
  variant: string
  seconds: number[]
  medianSeconds: number
  /** Median peak resident memory of the command's process, MiB. */
  peakRssMiB?: number
  /** Median seconds of each phase `hoist move` timed. */
  phases?: Record<string, number>
}

const FILES = 2_000

interface Measured {
  seconds: number
  mib?: number
  /** `hoist move`'s own phase timers, from its summary. */
  phases?: Record<string, number>
}

/** `list 0.1 s, copy 20.3 s, …` → { list: 0.1, copy: 20.3, … } */
function phaseSeconds(text: string): Record<string, number> {
  return Object.fromEntries(
    text.split(', ').map((part) => {
      const [phase, value] = part.split(' ')
      return [phase!, Number(value)]
    }),
  )
}

/** Runs a command to its end: its wall seconds, peak RSS (under /usr/bin/time, when there) and `hoist move`'s phases. */
async function measured(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const { seconds, output, peakMiB } = await runTimed(command, args, env, { peakMemory: true })
  const phases = /^phases: +(.*)$/m.exec(output)?.[1]
  return { seconds, ...(peakMiB ? { mib: peakMiB } : {}), ...(phases ? { phases: phaseSeconds(phases) } : {}) }
}

export async function benchMove(
  stack: Stack,
  database: string,
  log: (line: string) => void,
): Promise<{ rows: MoveRow[]; files: number; megabytes: number }> {
  const rounds = Number(process.env.BENCH_MOVE_ROUNDS ?? 3)
  const concurrencies = (process.env.BENCH_MOVE_CONCURRENCY ?? '4,16').split(',').map(Number)
  const work = mkdtempSync(join(tmpdir(), 'hoist-bench-move-'))
  const aws = await awsCli(stack, join(work, 'no-aws-config'), log)
  const stamp = Date.now()
  const source = `bench-move-src-${stamp}`
  const s3 = stackS3Client(stack)
  await s3.send(new CreateBucketCommand({ Bucket: source }))
  let bytes = 0
  await mapConcurrent(
    Array.from({ length: FILES }, (_, i) => i),
    16,
    async (i) => {
      const png = noisePng(128, 128)
      bytes += png.length
      await s3.send(
        new PutObjectCommand({ Bucket: source, Key: `uploads/step-${i}.png`, Body: png, ContentType: 'image/png' }),
      )
    },
  )
  const mongo = await new MongoClient(stack.mongoUri).connect()
  const hoistEnv = {
    ...builtCodeEnv(),
    ...stackEnv(stack, source),
    MONGO_DB_NAME: `${database}_hoist`,
    JWT_SECRET: BENCH_JWT_SECRET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
  const results = new Map<string, Measured[]>()
  const keep = (variant: string, result: Measured): void => {
    results.set(variant, [...(results.get(variant) ?? []), result])
    const phases = result.phases ? ` (${JSON.stringify(result.phases)})` : ''
    log(
      `bench: ${variant}: ${result.seconds.toFixed(2)} s${result.mib ? `, peak ${result.mib.toFixed(0)} MiB` : ''}${phases}`,
    )
  }
  try {
    for (let round = 1; round <= rounds; round++) {
      const synced = `bench-move-aws-${stamp}-${round}`
      await s3.send(new CreateBucketCommand({ Bucket: synced }))
      keep(
        'aws s3 sync',
        await measured(
          aws.path,
          ['s3', 'sync', `s3://${source}/uploads/`, `s3://${synced}/uploads/`, '--endpoint-url', stack.s3.endpoint],
          aws.env,
        ),
      )
      for (const concurrency of concurrencies) {
        const app = `${database}_app_c${concurrency}_r${round}`
        await mongo
          .db(app)
          .collection('walkthroughs')
          .insertMany(
            Array.from({ length: FILES }, (_, i) => ({
              title: `Walkthrough ${i}`,
              steps: [
                { blocks: [{ type: 'image', data: { url: `${stack.s3.endpoint}/${source}/uploads/step-${i}.png` } }] },
              ],
            })),
          )
        keep(
          `hoist move --concurrency ${concurrency}`,
          await measured(
            process.execPath,
            [
              'server/dist/cli/hoist.js',
              ...['move', '--to-bucket', `bench-move-c${concurrency}-${stamp}-${round}`],
              ...['--db', app, '--collection', 'walkthroughs', '--concurrency', String(concurrency)],
            ],
            hoistEnv,
          ),
        )
        const moved = await mongo
          .db(app)
          .collection('walkthroughs')
          .countDocuments({ 'steps.blocks.data.url': { $regex: `/bench-move-c${concurrency}-` } })
        if (moved !== FILES) throw new Error(`hoist move --concurrency ${concurrency}: ${moved} documents rewritten`)
        await mongo.db(app).dropDatabase()
      }
    }
  } finally {
    await mongo.close()
    s3.destroy()
    rmSync(work, { recursive: true, force: true })
  }
  const rows = [...results].map(([variant, runs]): MoveRow => {
    const peaks = runs.flatMap((run) => (run.mib === undefined ? [] : [run.mib]))
    const timed = runs.flatMap((run) => (run.phases ? [run.phases] : []))
    return {
      variant,
      seconds: runs.map((run) => Number(run.seconds.toFixed(2))),
      medianSeconds: Number(median(runs.map((run) => run.seconds)).toFixed(2)),
      ...(peaks.length > 0 ? { peakRssMiB: Number(median(peaks).toFixed(0)) } : {}),
      ...(timed.length > 0
        ? {
            phases: Object.fromEntries(
              Object.keys(timed[0]!).map((phase) => [
                phase,
                Number(median(timed.map((t) => t[phase] ?? 0)).toFixed(2)),
              ]),
            ),
          }
        : {}),
    }
  })
  return { rows, files: FILES, megabytes: Number((bytes / 1e6).toFixed(1)) }
}
