/**
 * `hoist migrate` on a legacy dataset shaped like the user's app, run as the CLI an operator would run:
 * dry run → run → re-run → simulated redeploy (uploads directory gone, fresh API): nothing is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import t from 'tap'
import { buildApp } from '../../../server/src/app.js'
import { findReferences } from '../../../server/src/migration/references.js'
import type { MigrationReport } from '../../../server/src/migration/report.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { sha256Hex } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { allStrings, createLegacyDataset, OLD_HOST } from '../../helpers/legacy-dataset.js'
import { sharedStack } from '../../helpers/stack.js'
import { bearer } from '../../helpers/tokens.js'

const stack = await sharedStack(t)
const { config, s3, db: hoistDb } = await startHoist(t, { stack })
const legacy = await createLegacyDataset(t, stack.mongoUri)
const workDir = mkdtempSync(join(tmpdir(), 'hoist-migrate-'))
t.teardown(() => rmSync(workDir, { recursive: true, force: true }))
const env = cliEnv(stack, config)
const OLD_PREFIXES = ['/uploads/', `${OLD_HOST}/uploads/`]
/** How the migration reads old URLs: a URL extends over a space or bracket when the file has one in its name. */
const oldForms = { prefixes: OLD_PREFIXES, isFile: (path: string) => legacy.files.has(path) }
const UNIQUE_CONTENTS = new Set(legacy.files.values()).size

interface MigrateResult {
  code: number | null
  report: MigrationReport
  stdout: string
  stderr: string
}

let run = 0
/** Runs `hoist migrate` on the dataset; `outputs: false` leaves --manifest and --report to their defaults. */
async function migrate(
  extra: string[] = [],
  { outputs = true, from = legacy.dir, callerDir = '' } = {},
): Promise<MigrateResult> {
  run++
  const reportPath = join(workDir, `report-${run}.json`)
  const result = await runHoist(
    [
      'migrate',
      '--from',
      from,
      ...OLD_PREFIXES.flatMap((prefix) => ['--old-prefix', prefix]),
      '--db',
      legacy.dbName,
      '--workspace',
      'legacy-ws',
      ...(outputs ? ['--manifest', join(workDir, `manifest-${run}.json`), '--report', reportPath] : []),
      ...extra,
    ],
    callerDir ? { ...env, INIT_CWD: callerDir } : env,
  )
  const written = outputs ? reportPath : /^report: +(.+)$/m.exec(result.stdout)?.[1]
  if (!written || !existsSync(written)) throw new Error(`no report: ${result.stdout}\n${result.stderr}`)
  return { ...result, report: JSON.parse(readFileSync(written, 'utf8')) }
}

async function bucketKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.s3Bucket }))
  return (listed.Contents ?? []).map((object) => object.Key!).sort()
}

/** Strings still holding an old upload URL, found the way the migration finds them (new URLs may contain /uploads/ too). */
const oldUrlsIn = (strings: string[]): string[] =>
  strings.filter((s) => findReferences(s, oldForms).length > 0 && !legacy.untouched.includes(s))

t.test('--dry-run reports what would change and changes nothing', async (t) => {
  const before = await allStrings(legacy.db)
  const { code, report, stdout, stderr } = await migrate(['--dry-run'])
  t.equal(code, 0, stdout)
  t.match(stdout, /DRY RUN: nothing was changed/)
  t.match(stdout, /^URLs to rewrite:$/m, 'the dry run lists its changes')
  t.match(stdout, /^ {2}users \w+ avatarUrl: https:\/\/old-api\.example\.com\/uploads\/photos\/avatar\.jpg → http/m)
  t.notMatch(stderr, /rewriting documents/, 'no write phase is announced: a dry run writes nothing')
  t.equal(report.rewrites.length, report.references.rewritten, 'every URL to rewrite is listed, old → new')
  t.ok(
    report.rewrites.some((r) => r.collection === 'pages' && r.field === 'shot' && r.from === '/uploads/shot (1).png'),
    'with URLs as written, spaces and parentheses included',
  )
  t.equal(report.dryRun, true)
  t.equal(report.files.scanned, legacy.files.size)
  t.equal(report.files.uploaded, UNIQUE_CONTENTS, 'one upload per distinct content')
  t.equal(report.documents.rewritten, 6, 'users, workspaces, walkthroughs, two snapshots and the page would change')
  t.same(report.unreferencedFiles, ['orphan.webp'])
  t.same(
    report.missingFiles.map((m) => m.url),
    ['/uploads/missing-screenshot.png'],
  )
  t.same(await allStrings(legacy.db), before, 'the database is unchanged')
  t.same(await bucketKeys(), [], 'the bucket is empty')
  t.equal(await hoistDb.collection('uploads').countDocuments(), 0, 'no records')
  const manifest = JSON.parse(readFileSync(join(workDir, 'manifest-1.json'), 'utf8'))
  t.equal(manifest.files.length, legacy.files.size, 'the backup manifest lists every file')
  for (const file of manifest.files)
    t.equal(file.sha256, legacy.files.get(file.path), `manifest sha256 of ${file.path}`)
})

t.test('--from and the default outputs are the caller’s (INIT_CWD under npm run), outputs git-ignored', async (t) => {
  const asCaller = { outputs: false, from: relative(workDir, legacy.dir), callerDir: workDir }
  const byDefault = await migrate(['--dry-run'], asCaller)
  t.equal(byDefault.code, 0, byDefault.stderr)
  t.equal(byDefault.report.files.scanned, legacy.files.size, '--from is read from the caller’s directory')
  t.equal(dirname(byDefault.report.manifestPath), join(workDir, '.hoist', 'migrate'))
  t.ok(existsSync(byDefault.report.manifestPath), 'the manifest is there')
  t.match(readFileSync(join(workDir, '.hoist', '.gitignore'), 'utf8'), /^\*$/m, 'and git ignores it')

  const chosen = await migrate(['--dry-run', '--report-dir', 'reports'], asCaller)
  t.equal(dirname(chosen.report.manifestPath), join(workDir, 'reports'), '--report-dir chooses the directory')
  t.ok(existsSync(chosen.report.manifestPath))
})

t.test('a run migrates every file and rewrites every URL whose file exists', async (t) => {
  const { code, report, stdout, stderr } = await migrate()
  t.equal(code, 0, stdout)
  t.match(stderr, /rewriting documents: 6\/6/, 'the progress counts the documents written')
  t.equal(report.files.uploaded, UNIQUE_CONTENTS)
  t.same(
    report.missingFiles.map((m) => m.url),
    ['/uploads/missing-screenshot.png'],
    'awkward names are all found',
  )
  t.equal(report.files.failed.length, 0)
  t.equal(report.records.created, UNIQUE_CONTENTS)
  t.equal(report.verification.failed.length, 0, JSON.stringify(report.verification.failed))
  t.ok(report.verification.ok > 0)
  t.equal((await bucketKeys()).length, UNIQUE_CONTENTS)

  const strings = await allStrings(legacy.db)
  t.same(oldUrlsIn(strings), [], 'no old URL is left but the ones whose file is missing')
  for (const url of legacy.untouched)
    t.ok(
      strings.some((s) => s === url),
      `${url} left unchanged`,
    )
  const text = strings.find((s) => s.startsWith('<p>Look:'))!
  t.match(
    text,
    new RegExp(
      `<img src="${config.s3Endpoint}/${config.s3Bucket}/${config.s3KeyPrefix}legacy-ws/[0-9a-f]{32}\\.gif"> and <a href=`,
    ),
    'URLs inside HTML are rewritten in place',
  )

  const records = await hoistDb.collection('uploads').find({ source: 'migration' }).toArray()
  t.equal(records.length, UNIQUE_CONTENTS)
  t.ok(records.every((r) => r.status === 'confirmed' && r.workspaceId === 'legacy-ws'))
  t.equal(records.find((r) => r.legacyPath === 'docs/guide.pdf')?.kind, 'document')
})

t.test('a second run does nothing', async (t) => {
  const before = await allStrings(legacy.db)
  const { code, report, stdout } = await migrate()
  t.equal(code, 0)
  t.match(stdout, /unreferenced files: +\d+ \(named by no old URL; in the bucket all the same\)/)
  t.notMatch(stdout, /uploaded anyway/, 'nothing claims an upload the run did not make')
  t.equal(report.files.uploaded, 0)
  t.equal(report.files.alreadyInBucket, UNIQUE_CONTENTS)
  t.equal(report.records.created, 0)
  t.equal(report.documents.rewritten, 0)
  t.same(await allStrings(legacy.db), before)
  t.equal(await hoistDb.collection('uploads').countDocuments(), UNIQUE_CONTENTS, 'no duplicate records')
})

t.test(
  'simulated redeploy: the uploads directory is gone, a fresh API starts, and every URL serves the original bytes',
  async (t) => {
    rmSync(legacy.dir, { recursive: true, force: true })
    const fresh = await buildApp(config, { logger: false })
    t.teardown(() => fresh.close())
    t.equal((await fresh.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)

    const expected = new Set(legacy.files.values())
    const urls = (await allStrings(legacy.db))
      .flatMap((s) => s.match(/https?:\/\/[^\s"'<>()]+/g) ?? [])
      .filter((u) => u.startsWith(config.s3Endpoint!))
    t.ok(urls.length >= 8, `${urls.length} URLs in the database point at the bucket`)
    for (const url of urls) {
      const response = await fetch(url)
      t.equal(response.status, 200, url)
      const sha = sha256Hex(new Uint8Array(await response.arrayBuffer()))
      t.ok(expected.has(sha), `${url.split('/').pop()} serves an original file's bytes`)
      t.ok(url.includes(sha.slice(0, 32)), 'and it is the file the URL names')
    }

    const page = (await legacy.db.collection('pages').findOne({}))!
    for (const { field, files } of legacy.awkward) {
      const served = await Promise.all(
        (String(page[field]).match(/https?:\/\/[^\s"'<>()]+/g) ?? []).map(async (url) =>
          sha256Hex(new Uint8Array(await (await fetch(url)).arrayBuffer())),
        ),
      )
      t.same(
        served,
        files.map((file) => legacy.files.get(file)),
        `pages.${field} serves ${files.join(', ')}`,
      )
    }

    const listed = await fresh.inject({
      method: 'GET',
      url: '/v1/uploads?status=confirmed&limit=100',
      headers: bearer({ workspace: 'legacy-ws' }),
    })
    t.equal(listed.json().items.length, UNIQUE_CONTENTS, 'the API lists the migrated files')
  },
)
