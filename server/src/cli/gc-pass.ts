/** A pass of `hoist gc` on a deployment: the command's one, and `hoist worker`'s every GC_INTERVAL_SECONDS. */
import { collectUnreferenced } from '../gc/collect.js'
import { parseGrace } from '../gc/grace.js'
import { summariseGc, type GcReport } from '../gc/report.js'
import { databaseTime } from '../storage/database-time.js'
import { MongoAttachmentStore } from '../storage/mongo-attachments.js'
import { S3Address } from '../storage/s3-address.js'
import type { Config } from '../config.js'
import type { Progress } from '../progress.js'
import { withAppDatabase } from './app-database.js'
import { UsageError } from './command.js'
import type { Deployment } from './deployment.js'

/** Every base a key may follow in a URL: the public or CDN base, and the bucket's own URL in both S3 styles. */
function urlBases(config: Config, publicBase: string): string[] {
  const address = (forcePathStyle: boolean): string =>
    new S3Address({
      bucket: config.s3Bucket,
      region: config.awsRegion,
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
      forcePathStyle,
    }).objectUrl('')
  return [publicBase, address(true), address(false)]
}

export interface GcRun {
  db?: string | undefined
  mongoUri?: string | undefined
  collections: string[]
  graceMs: number
  dryRun: boolean
  progress?: Progress
}

/** One gc pass on the deployment: `hoist gc`, and `hoist worker` every GC_INTERVAL_SECONDS. */
export function runGc(config: Config, { ledger, store, mongo, db }: Deployment, run: GcRun): Promise<GcReport> {
  return withAppDatabase(
    { db: run.db, mongoUri: run.mongoUri, defaultUri: config.mongoUri },
    { uri: config.mongoUri, client: mongo, timeoutMs: config.mongoTimeoutMs },
    async (appDb) => {
      // A misspelt collection would be scanned as empty, and every file only it references deleted: refuse.
      const existing = new Set((await appDb.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name))
      const missing = run.collections.filter((name) => !existing.has(name))
      if (missing.length > 0)
        throw new UsageError(`no collection ${missing.join(', ')} in the database ${appDb.databaseName}`)
      return collectUnreferenced({
        ledger,
        attachments: new MongoAttachmentStore(db),
        store,
        app: {
          estimatedCount: (name) => appDb.collection(name).estimatedDocumentCount(),
          documents: (name) => appDb.collection(name).find({}, { batchSize: 1000 }),
        },
        collections: run.collections,
        forms: { urlBases: urlBases(config, store.publicUrl('')), keyPrefix: config.s3KeyPrefix },
        keyPrefix: config.s3KeyPrefix,
        graceMs: run.graceMs,
        now: await databaseTime(db),
        dryRun: run.dryRun,
        ...(run.progress ? { progress: run.progress } : {}),
      })
    },
  )
}

/**
 * `hoist gc` at start and every GC_INTERVAL_SECONDS, one pass at a time. Several workers each run it: safe (each delete
 * is a transition only one of them wins), only the scan is repeated.
 */
export function gcEvery(config: Config, deployment: Deployment): { stop(): Promise<void> } {
  let running: Promise<void> | undefined
  const pass = (): void => {
    if (running) return
    running = runGc(config, deployment, {
      db: config.gcDb,
      collections: config.gcCollections,
      graceMs: parseGrace(config.gcGrace)!,
      dryRun: false,
    })
      .then((report) => console.log(`hoist gc: ${summariseGc(report).replaceAll('\n', '; ')}`))
      .catch((error: unknown) => console.error(`hoist gc: failed, will retry: ${(error as Error).message}`))
      .finally(() => {
        running = undefined
      })
  }
  const timer = setInterval(pass, config.gcIntervalSeconds * 1000)
  pass()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
