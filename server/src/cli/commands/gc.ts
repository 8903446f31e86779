import { collectUnreferenced } from '../../gc/collect.js'
import { DEFAULT_GRACE, parseGrace } from '../../gc/grace.js'
import { summariseGc, type GcReport } from '../../gc/report.js'
import { databaseTime } from '../../storage/database-time.js'
import { MongoAttachmentStore } from '../../storage/mongo-attachments.js'
import { S3Address } from '../../storage/s3-address.js'
import type { Config } from '../../config.js'
import type { Progress } from '../../progress.js'
import { withAppDatabase } from '../app-database.js'
import { defineCommand, UsageError } from '../command.js'
import { withDeployment, type Deployment } from '../deployment.js'
import { progressReporter } from '../progress.js'

const HELP = `Deletes the confirmed uploads nothing uses any more: no attachment holds them (POST /v1/uploads/:id/attach), no
document of the named collections references them — by URL (public, CDN or the bucket's own; with or without a query
string) or by key, anywhere in nested documents, arrays and text — and they were confirmed longer than the grace
period ago. Each goes with its image variants, and with an upload.deleted event whose reason is "unreferenced".

  --db <name|uri>         the app's database: its name on --mongo-uri's server, or a URI naming it
                          (required, unless --mongo-uri names the database)
  --mongo-uri <uri>       the app's database server (default: MONGO_URI, Hoist's own)
  --collection <name>     a collection of the app's to look for references in (repeat for each)       required
  --grace <duration>      leave uploads confirmed less than this long ago: 30m, 12h, 7d, 2w (default: ${DEFAULT_GRACE});
                          the time the app has to save the document that references a new upload
  --dry-run               change nothing; report what would be deleted (counts and bytes)
  --json                  print the report as JSON

A document the app writes while gc runs may not be seen: attach uploads the app uses, and keep the grace long.
Hoist's own settings (bucket, S3_KEY_PREFIX, MONGO_URI/MONGO_DB_NAME, PUBLIC_BASE_URL) come from the environment, as
for the API.`

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

export default defineCommand({
  usage: 'gc --db <name|uri> --collection <name> [--collection …] [--grace 7d] [--dry-run] [--json]',
  help: HELP,
  options: {
    db: { type: 'string' },
    'mongo-uri': { type: 'string' },
    collection: { type: 'string', multiple: true },
    grace: { type: 'string', default: DEFAULT_GRACE },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  async run({ values }, loadConfig) {
    const problems: string[] = []
    const collections = values.collection ?? []
    if (!values.db && !values['mongo-uri']) problems.push("--db <name|uri> is required (the app's database)")
    if (collections.length === 0) problems.push('--collection <name> is required (repeat it for each collection)')
    const graceMs = parseGrace(values.grace)
    if (graceMs === undefined)
      problems.push(`--grace is a duration of at least a minute: 30m, 12h, 7d, 2w (not ${values.grace})`)
    if (problems.length > 0) throw new UsageError(problems.join('\n'))

    const config = loadConfig()
    return withDeployment(config, async (deployment) => {
      const report = await runGc(config, deployment, {
        db: values.db,
        mongoUri: values['mongo-uri'],
        collections,
        graceMs: graceMs!,
        dryRun: values['dry-run'],
        // A bar on a terminal; in logs, lines on stderr — unless --json asks for a quiet, machine-read run.
        ...(values.json && !process.stderr.isTTY ? {} : { progress: progressReporter() }),
      })
      console.log(values.json ? JSON.stringify(report, null, 2) : summariseGc(report))
      return report.failed.length > 0 ? 1 : 0
    })
  },
})

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
