import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { callerPath, defaultOutputDir } from '../caller-dir.js'
import { defineCommand, UsageError } from '../command.js'

const HELP = `Moves a local uploads directory into the bucket and rewrites the URLs stored in the app's MongoDB.

  --from <dir>            the old uploads directory (e.g. backend/uploads)            required
                          (relative paths are from where you run the command, also under npm run)
  --old-prefix <prefix>   how documents address it: /uploads/, https://old-api.example.com/uploads/
                          (repeat for each form)                                       required
  --mongo-uri <uri>       the app's database server (default: LEGACY_MONGO_URI, else MONGO_URI)
  --db <name>             the app's database (default: the database named in that URI), or a URI naming it
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
    const { WORKSPACE_ID_PATTERN } = await import('@hoist/protocol')
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) problems.push('--concurrency is 1..64')
    if (!new RegExp(WORKSPACE_ID_PATTERN).test(values.workspace))
      problems.push(`--workspace must match ${WORKSPACE_ID_PATTERN}`)
    if (problems.length > 0) throw new UsageError(problems.join('\n'))

    const { migrate } = await import('../../migration/migrate.js')
    const { summarise } = await import('../../migration/report.js')
    const { withAppDatabase } = await import('../app-database.js')
    const { withDeployment } = await import('../deployment.js')
    const { progressReporter } = await import('../progress.js')
    const config = await loadConfig()
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const outputPath = async (flag: string | undefined, name: string): Promise<string> => {
      if (flag) return callerPath(flag)
      const dir = values['report-dir'] ? callerPath(values['report-dir']) : await defaultOutputDir('migrate')
      await mkdir(dir, { recursive: true })
      return join(dir, `hoist-migration-${name}-${stamp}.json`)
    }
    const manifestPath = await outputPath(values.manifest, 'manifest')
    const reportPath = await outputPath(values.report, 'report')

    return withDeployment(config, async ({ ledger, store, mongo: hoistMongo }) =>
      withAppDatabase(
        { db: values.db, mongoUri: values['mongo-uri'], defaultUri: process.env.LEGACY_MONGO_URI ?? config.mongoUri },
        { uri: config.mongoUri, client: hoistMongo, timeoutMs: config.mongoTimeoutMs },
        async (legacyDb) => {
          if (!values['dry-run']) await ledger.ensureIndexes()
          const report = await migrate({
            from: callerPath(values.from!),
            legacyDb,
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
          const failed =
            report.files.failed.length + report.verification.failed.length + report.documents.skipped.length
          return failed > 0 ? 1 : 0
        },
      ),
    )
  },
})
