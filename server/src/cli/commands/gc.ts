import { DEFAULT_GRACE, parseGrace } from '../../gc/grace.js'
import { defineCommand, UsageError } from '../command.js'

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

    const { runGc } = await import('../gc-pass.js')
    const { summariseGc } = await import('../../gc/report.js')
    const { withDeployment } = await import('../deployment.js')
    const { progressReporter } = await import('../progress.js')
    const config = await loadConfig()
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
