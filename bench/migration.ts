/**
 * `hoist migrate` against `aws s3 sync` on the same 2,000 PNGs (~50 KB each) and the same MinIO. The migration is
 * timed as an operator runs it, everything included: the built CLI's start, the manifest, hashing, uploads,
 * post-upload checks, 2,000 records, 2,000 document rewrites and the public-URL verification. `aws s3 sync` only
 * copies the files (awscli from PyPI in a cached venv, its default 10 requests in flight). Runs are interleaved
 * (one of each variant per round) so the machine's other load falls on all of them alike; medians are reported.
 * BENCH_MIGRATION_ROUNDS (default 3) and BENCH_MIGRATION_CONCURRENCY (default 1,2,4,8) narrow a run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MongoClient } from 'mongodb'
import { builtCodeEnv } from '../infra/source-condition.js'
import { stackEnv, type Stack } from '../infra/stack/index.js'
import type { MigrationReport } from '../server/src/migration/report.js'
import { noisePng } from '../test/helpers/png.js'
import { awsCli } from './awscli.js'
import { median } from './median.js'
import { BENCH_JWT_SECRET } from './servers.js'
import { timed } from './timed-command.js'

export interface MigrationRow {
  variant: string
  /** Wall seconds of each round, in order. */
  seconds: number[]
  medianSeconds: number
  /** Median seconds of each phase the report timed (hoist migrate only). */
  phases?: Record<string, number>
}

const FILES = 2_000

/** `hoist migrate` as an operator runs it, at its own default --concurrency (server/src/cli/commands/migrate.ts). */
const DEFAULT_CONCURRENCY = 4
const variantOf = (concurrency: number): string => `hoist migrate --concurrency ${concurrency}`
/** The row issue 26's goal is about: `hoist migrate` at most 1.5× `aws s3 sync` in each round. */
export const MIGRATE_DEFAULT_VARIANT = variantOf(DEFAULT_CONCURRENCY)

function writeUploads(dir: string): number {
  let bytes = 0
  mkdirSync(dir, { recursive: true })
  for (let i = 0; i < FILES; i++) {
    const png = noisePng(128, 128)
    writeFileSync(join(dir, `step-${i}.png`), png)
    bytes += png.length
  }
  return bytes
}

/** The app's documents: one walkthrough per file, its URL nested in steps → blocks like the real app's. */
async function legacyDatabase(mongo: MongoClient, name: string): Promise<void> {
  await mongo
    .db(name)
    .collection('walkthroughs')
    .insertMany(
      Array.from({ length: FILES }, (_, i) => ({
        title: `Walkthrough ${i}`,
        steps: [{ title: 'One', blocks: [{ type: 'image', data: { url: `/uploads/step-${i}.png`, caption: 'x' } }] }],
      })),
    )
}

export async function benchMigration(
  stack: Stack,
  bucket: string,
  database: string,
  log: (line: string) => void,
): Promise<{ rows: MigrationRow[]; files: number; megabytes: number }> {
  const rounds = Number(process.env.BENCH_MIGRATION_ROUNDS ?? 3)
  const concurrencies = (process.env.BENCH_MIGRATION_CONCURRENCY ?? '1,2,4,8').split(',').map(Number)
  const work = mkdtempSync(join(tmpdir(), 'hoist-bench-migration-'))
  const aws = await awsCli(stack, join(work, 'no-aws-config'), log)
  const uploads = join(work, 'uploads')
  const bytes = writeUploads(uploads)
  const mongo = await new MongoClient(stack.mongoUri).connect()
  const hoistEnv = {
    ...builtCodeEnv(),
    ...stackEnv(stack, bucket),
    JWT_SECRET: BENCH_JWT_SECRET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
  const hoist = (args: string[], env: Record<string, string>): Promise<number> =>
    timed(process.execPath, ['server/dist/cli/hoist.js', ...args], { ...hoistEnv, ...env })
  const seconds = new Map<string, number[]>()
  const phases = new Map<string, Record<string, number>[]>()
  const keep = (variant: string, value: number): void => {
    seconds.set(variant, [...(seconds.get(variant) ?? []), value])
    log(`bench: ${variant}: ${value.toFixed(2)} s`)
  }
  try {
    // Public read of the key prefix, so the migration verifies each new URL over HTTP as it does by default.
    await hoist(['bucket', 'setup'], { MONGO_DB_NAME: `${database}_migration` })
    for (let round = 1; round <= rounds; round++) {
      keep(
        'aws s3 sync',
        await timed(
          aws.path,
          ['s3', 'sync', uploads, `s3://${bucket}/aws-sync-${round}/`, '--endpoint-url', stack.s3.endpoint],
          aws.env,
        ),
      )
      for (const concurrency of concurrencies) {
        const run = `c${concurrency}_r${round}`
        const legacy = `${database}_legacy_${run}`
        await legacyDatabase(mongo, legacy)
        const reportPath = join(work, `report-${run}.json`)
        const variant = variantOf(concurrency)
        keep(
          variant,
          await hoist(
            [
              'migrate',
              ...['--from', uploads, '--old-prefix', '/uploads/', '--db', legacy, '--workspace', `bench-${run}`],
              ...['--concurrency', String(concurrency), '--report', reportPath],
              ...['--manifest', join(work, `manifest-${run}.json`)],
            ],
            { MONGO_DB_NAME: `${database}_hoist_${run}` },
          ),
        )
        const report = JSON.parse(readFileSync(reportPath, 'utf8')) as MigrationReport
        if (report.documents.rewritten !== FILES || report.verification.ok !== FILES)
          throw new Error(`${variant}: ${report.documents.rewritten} rewritten, ${report.verification.ok} verified`)
        if (report.phaseSeconds) phases.set(variant, [...(phases.get(variant) ?? []), report.phaseSeconds])
        await mongo.db(legacy).dropDatabase()
        await mongo.db(`${database}_hoist_${run}`).dropDatabase()
      }
    }
  } finally {
    await mongo.close()
    rmSync(work, { recursive: true, force: true })
  }
  const rows = [...seconds].map(([variant, values]): MigrationRow => {
    const timings = phases.get(variant)
    return {
      variant,
      seconds: values.map((value) => Number(value.toFixed(2))),
      medianSeconds: Number(median(values).toFixed(2)),
      ...(timings
        ? {
            phases: Object.fromEntries(
              Object.keys(timings[0]!).map((phase) => [
                phase,
                Number(median(timings.map((t) => t[phase] ?? 0)).toFixed(2)),
              ]),
            ),
          }
        : {}),
    }
  })
  return { rows, files: FILES, megabytes: Number((bytes / 1e6).toFixed(1)) }
}
