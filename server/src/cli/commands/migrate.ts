import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import cliProgress from 'cli-progress'
import { migrate, type MigrationProgress } from '../../migration/migrate.js'
import { summarise } from '../../migration/report.js'
import { connectMongo } from '../../storage/mongo-client.js'
import { callerPath, defaultOutputDir } from '../caller-dir.js'
import { defineCommand, UsageError } from '../command.js'
import { withDeployment } from '../deployment.js'
import { WORKSPACE_ID_PATTERN } from '@hoist/protocol'

const HELP = `Moves a local uploads directory into the bucket and rewrites the URLs stored in the app's MongoDB.

  --from <dir>            the old uploads directory (e.g. backend/uploads)            required
                          (relative paths are from where you run the command, also under npm run)
  --old-prefix <prefix>   how documents address it: /uploads/, https://old-api.example.com/uploads/
                          (repeat for each form)                                       required
  --mongo-uri <uri>       the app's database server (default: LEGACY_MONGO_URI, else MONGO_URI)
  --db <name>             the app's database (default: the database named in that URI)
  --collections <a,b>     collections to scan (default: all)
  --workspace <id>        workspace for the migrated files' records and keys (default: legacy)
  --dry-run               change nothing; report what would change
  --concurrency <n>       files (read, upload, checks, record) and document writes in parallel (default: 4)
  --report-dir <dir>      where the manifest and report go (default: .hoist/migrate/, git-ignored)
  --manifest <file>       backup manifest (default: <report dir>/hoist-migration-manifest-<time>.json)
  --report <file>         JSON report (default: <report dir>/hoist-migration-report-<time>.json)
  --no-verify-public      trust the S3 API's check of each object instead of also fetching its new URL over HTTP

Hoist's own settings (bucket, MONGO_URI/MONGO_DB_NAME for the upload records, PUBLIC_BASE_URL) come from the
environment, as for the API.`

function progressReporter(): MigrationProgress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: '{phase} [{bar}] {value}/{total}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    return {
      phase: (name, total) => bar.start(total, 0, { phase: name.padEnd(20) }),
      tick: () => bar.increment(),
      done: () => bar.stop(),
    }
  }
  let name = ''
  let total = 0
  let count = 0
  let printed = 0
  const print = (): void => {
    console.error(`${name}: ${count}/${total}`)
    printed = count
  }
  return {
    phase: (phase, phaseTotal) => {
      ;[name, total, count] = [phase, phaseTotal, 0]
      print()
    },
    tick: () => {
      count++
      if (count === total || count % Math.max(1, Math.ceil(total / 20)) === 0) print()
    },
    // Where the phase really ended (a document deleted meanwhile is never written): the last line is the truth.
    done: () => {
      if (printed !== count) print()
    },
  }
}

export default defineCommand({
  usage: 'migrate --from <dir> --old-prefix <prefix> [--old-prefix …] [--db <name>] [--dry-run] [options]',
  help: HELP,
  options: {
    from: { type: 'string' },
    'old-prefix': { type: 'string', multiple: true },
    'mongo-uri': { type: 'string' },
    db: { type: 'string' },
    collections: { type: 'string' },
    workspace: { type: 'string', default: 'legacy' },
    'dry-run': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '4' },
    'report-dir': { type: 'string' },
    manifest: { type: 'string' },
    report: { type: 'string' },
    'no-verify-public': { type: 'boolean', default: false },
  },
  async run({ values }, loadConfig) {
    const problems: string[] = []
    if (!values.from) problems.push('--from <dir> is required')
    const prefixes = values['old-prefix'] ?? []
    if (prefixes.length === 0) problems.push('--old-prefix is required (e.g. --old-prefix /uploads/)')
    for (const prefix of prefixes) if (!prefix.endsWith('/')) problems.push(`--old-prefix ${prefix} must end with /`)
    const concurrency = Number(values.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) problems.push('--concurrency is 1..64')
    if (!new RegExp(WORKSPACE_ID_PATTERN).test(values.workspace))
      problems.push(`--workspace must match ${WORKSPACE_ID_PATTERN}`)
    if (problems.length > 0) throw new UsageError(problems.join('\n'))

    const config = loadConfig()
    const legacyUri = values['mongo-uri'] ?? process.env.LEGACY_MONGO_URI ?? config.mongoUri
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const outputPath = async (flag: string | undefined, name: string): Promise<string> => {
      if (flag) return callerPath(flag)
      const dir = values['report-dir'] ? callerPath(values['report-dir']) : await defaultOutputDir('migrate')
      await mkdir(dir, { recursive: true })
      return join(dir, `hoist-migration-${name}-${stamp}.json`)
    }
    const manifestPath = await outputPath(values.manifest, 'manifest')
    const reportPath = await outputPath(values.report, 'report')

    return withDeployment(config, async ({ ledger, store, mongo: hoistMongo }) => {
      const legacyMongo =
        legacyUri === config.mongoUri ? hoistMongo : await connectMongo(legacyUri, config.mongoTimeoutMs)
      try {
        // The driver reports 'test' when the URI names no database.
        const uriDbName =
          legacyMongo.options.dbName === 'test' && !/\/test(\?|$)/.test(legacyUri)
            ? undefined
            : legacyMongo.options.dbName
        const legacyDbName = values.db ?? uriDbName
        if (!legacyDbName) {
          console.error('--db <name> is required (the URI names no database)')
          return 2
        }
        if (!values['dry-run']) await ledger.ensureIndexes()
        const report = await migrate({
          from: callerPath(values.from!),
          legacyDb: legacyMongo.db(legacyDbName),
          ...(values.collections ? { collections: values.collections.split(',').map((name) => name.trim()) } : {}),
          oldPrefixes: prefixes,
          dryRun: values['dry-run'],
          concurrency,
          workspaceId: values.workspace,
          ledger,
          store,
          keyPrefix: config.s3KeyPrefix,
          multipartThreshold: config.multipartThresholdBytes,
          partSize: config.multipartPartSizeBytes,
          manifestPath,
          verifyPublic: !values['no-verify-public'],
          trustedOrigins: [config.publicBaseUrl, config.s3Endpoint]
            .filter((url): url is string => Boolean(url))
            .map((url) => new URL(url).origin),
          progress: progressReporter(),
        })
        await writeFile(reportPath, JSON.stringify(report, null, 2))
        console.log(summarise(report))
        console.log(`manifest: ${manifestPath}\nreport:   ${reportPath}`)
        const failed = report.files.failed.length + report.verification.failed.length + report.documents.skipped.length
        return failed > 0 ? 1 : 0
      } finally {
        if (legacyMongo !== hoistMongo) await legacyMongo.close()
      }
    })
  },
})
