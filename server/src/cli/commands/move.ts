import { assertScoped } from '../../bucket/scope.js'
import { defineCommand, UsageError, wholeNumber } from '../command.js'

const HELP = `Moves every object under S3_KEY_PREFIX (uploads and their image variants) to another bucket — another
region, another S3-compatible store (R2…) — then points every URL at it: Hoist's upload records, and the app's
documents in the named collections (anywhere in them, as \`hoist migrate\` finds them; a query string is kept).

  --to-bucket <name>            the target bucket; created and set up as \`hoist bucket setup\` would if missing  required
  --to-endpoint <url>           its store (default: S3_ENDPOINT); AWS S3: https://s3.<region>.amazonaws.com
  --to-region <region>          (default: AWS_REGION)
  --to-path-style true|false    path-style URLs (default: S3_FORCE_PATH_STYLE)
  --to-public-base-url <url>    its public or CDN base (default: the target bucket's own URL)
  --old-base-url <url>          another base the documents use for the source (an older CDN…); repeat for each.
                                Always matched: PUBLIC_BASE_URL and the source bucket's own URL
  --mongo-uri <uri>             the app's database server (default: MONGO_URI)
  --db <name>                   the app's database, or a URI naming it                                     required
  --collection <name>           a collection whose documents hold URLs; repeat for each                     required
  --dry-run                     change nothing; count the objects and bytes to copy and the URLs to rewrite
  --delete-source               once every copy is verified and every URL rewritten, delete the source's objects
  --concurrency <n>             objects copied at once, each holding at most one part in memory (default: 4)
  --access public-read|private  for a target bucket this creates (default: public-read)
  --whole-bucket                allow it when S3_KEY_PREFIX is empty (every object of the bucket moves)

The source is the deployment the environment describes (S3_BUCKET_NAME, S3_ENDPOINT…). The target's credentials:
TO_AWS_ACCESS_KEY_ID and TO_AWS_SECRET_ACCESS_KEY, else the source's. Each copy is verified (size and SHA-256,
which the target checks on receipt). Killed, run it again: verified copies are not copied again, rewritten URLs no
longer match. Without --delete-source the source keeps every object, so going back is only a change of settings.`

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const HTTP_URL = /^https?:\/\/\S+$/

function targetCredentials(): { accessKeyId: string; secretAccessKey: string } | undefined {
  const { TO_AWS_ACCESS_KEY_ID: accessKeyId, TO_AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw new UsageError('TO_AWS_ACCESS_KEY_ID and TO_AWS_SECRET_ACCESS_KEY go together')
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined
}

export default defineCommand({
  usage:
    'move --to-bucket <name> [--to-endpoint <url>] [--to-public-base-url <url>] --db <name> --collection <name> [--collection …] [--dry-run] [--delete-source] [options]',
  help: HELP,
  options: {
    'to-bucket': { type: 'string' },
    'to-endpoint': { type: 'string' },
    'to-region': { type: 'string' },
    'to-path-style': { type: 'string' },
    'to-public-base-url': { type: 'string' },
    'old-base-url': { type: 'string', multiple: true },
    'mongo-uri': { type: 'string' },
    db: { type: 'string' },
    collection: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', default: false },
    'delete-source': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '4' },
    access: { type: 'string', default: 'public-read' },
    'whole-bucket': { type: 'boolean', default: false },
  },
  async run({ values }, loadConfig) {
    const problems: string[] = []
    const bucket = values['to-bucket']
    if (!bucket) problems.push('--to-bucket <name> is required')
    else if (!BUCKET_NAME.test(bucket)) problems.push(`--to-bucket ${bucket} is not a bucket name (a-z 0-9 . -, 3..63)`)
    for (const flag of ['to-endpoint', 'to-public-base-url'] as const)
      if (values[flag] !== undefined && !HTTP_URL.test(values[flag])) problems.push(`--${flag} is an http(s) URL`)
    for (const base of values['old-base-url'] ?? [])
      if (!HTTP_URL.test(base)) problems.push(`--old-base-url ${base} is not an http(s) URL`)
    const pathStyle = values['to-path-style']
    if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false')
      problems.push('--to-path-style is true or false')
    if (!values.db) problems.push('--db <name> is required (the app database whose documents hold the URLs)')
    const collections = values.collection ?? []
    if (collections.length === 0) problems.push('--collection <name> is required (repeat it for each collection)')
    if (values.access !== 'public-read' && values.access !== 'private')
      problems.push('--access is public-read or private')
    if (problems.length > 0) throw new UsageError(problems.join('\n'))
    const concurrency = wholeNumber(values.concurrency, 'concurrency')
    const credentials = targetCredentials()

    const { move } = await import('../../move/move.js')
    const { summariseMove, unfinished } = await import('../../move/report.js')
    const { prepareTargetBucket, settingsToChange, targetConfig } = await import('../../move/target.js')
    const { createDirectCalls, publicUrlOf, s3AddressOf } = await import('../../storage/open-object-store.js')
    const { createS3Client } = await import('../../storage/s3-client.js')
    const { withAppDatabase } = await import('../app-database.js')
    const { formatReports } = await import('../bucket.js')
    const { withDeployment } = await import('../deployment.js')
    const { progressReporter } = await import('../progress.js')
    const source = await loadConfig()
    assertScoped(source.s3KeyPrefix, values['whole-bucket'], 'move every object')
    const target = targetConfig(source, {
      bucket: bucket!,
      endpoint: values['to-endpoint'],
      region: values['to-region'],
      pathStyle: pathStyle === undefined ? undefined : pathStyle === 'true',
      publicBaseUrl: values['to-public-base-url'],
      credentials,
    })
    if (target.s3Bucket === source.s3Bucket && target.s3Endpoint === source.s3Endpoint)
      throw new UsageError('the target is the source bucket: name another bucket or store')

    const sourceClient = createS3Client(source)
    const targetClient = createS3Client(target)
    const sourceDirect = createDirectCalls(source, sourceClient, s3AddressOf(source))
    const targetDirect = createDirectCalls(target, targetClient, s3AddressOf(target))
    try {
      return await withDeployment(source, async ({ ledger, mongo }) =>
        withAppDatabase(
          { db: values.db, mongoUri: values['mongo-uri'], defaultUri: source.mongoUri },
          { uri: source.mongoUri, client: mongo, timeoutMs: source.mongoTimeoutMs },
          async (appDb) => {
            const prepared = await prepareTargetBucket(targetClient, target, {
              dryRun: values['dry-run'],
              access: values.access as 'public-read' | 'private',
              wholeBucket: values['whole-bucket'],
            })
            if (prepared.setup) console.log(formatReports(target.s3Bucket, prepared.setup))
            const report = await move({
              source: { client: sourceClient, bucket: source.s3Bucket, direct: sourceDirect },
              target: {
                client: targetClient,
                bucket: target.s3Bucket,
                direct: targetDirect,
                publicUrl: publicUrlOf(target),
              },
              keyPrefix: source.s3KeyPrefix,
              oldBases: [publicUrlOf(source)(''), s3AddressOf(source).objectUrl(''), ...(values['old-base-url'] ?? [])],
              targetBucket: prepared.state,
              ledger,
              appDb,
              collections,
              dryRun: values['dry-run'],
              deleteSource: values['delete-source'],
              concurrency,
              partSize: source.multipartPartSizeBytes,
              progress: progressReporter(),
            })
            console.log(summariseMove(report))
            if (!report.dryRun && unfinished(report) === 0) {
              console.log('\nNow point every API, worker and cron at the target, then run `hoist bucket setup` with:')
              for (const line of settingsToChange(source, target, credentials !== undefined)) console.log(`  ${line}`)
              console.log(
                values['delete-source']
                  ? 'The source objects are deleted: there is no going back to it.'
                  : 'Rollback: the source still holds every object; restore the old settings (and run the move the other way for files uploaded since).',
              )
            }
            return unfinished(report) > 0 ? 1 : 0
          },
        ),
      )
    } finally {
      sourceClient.destroy()
      targetClient.destroy()
      sourceDirect.close()
      targetDirect.close()
    }
  },
})
