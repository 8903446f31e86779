/**
 * `npm run bench [-- presign confirm growth server-cost large-file load soak migration move scan gc chaos]`: runs the
 * benchmarks against the local stack on loopback, appends the figures with the machine's description to
 * bench/RESULTS.md, and draws bench/latest.svg. `BENCH_CPU_PROFILE=<dir>` makes each Hoist API process write a CPU
 * profile there (servers.ts). Bounded in time (a few minutes), except `gc` and `chaos`, which run only when named;
 * nothing here asserts a timing (`chaos` fails the run when a promise was broken).
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { startStack } from '../infra/stack/index.js'
import { renderChart, type Panel } from './chart.js'
import { benchConfirm, CONFIRM_WARMUP, medianCpuMicros, type ConfirmRow } from './confirm.js'
import { benchGrowth, type GrowthRow } from './growth.js'
import { benchLargeFile, type LargeFileResult } from './large-file.js'
import { runLoad, runSoak, type LoadResult, type SoakResult } from './load.js'
import { benchGc, type GcRow } from './gc.js'
import { ALL_TARGETS, chaosFailures, formatChaos, runChaos, type ChaosResult } from './chaos.js'
import { describeMachine, formatMachine } from './machine.js'
import { benchMigration, MIGRATE_DEFAULT_VARIANT, type MigrationRow } from './migration.js'
import { benchMove, type MoveRow } from './move.js'
import { benchMetricsCost, benchPresign, PRESIGN_WARMUP_S, type MetricsCost, type PresignRow } from './presign.js'
import { benchScan, type ScanRow } from './scan.js'
import { benchServerCost, type ServerCostRow } from './server-cost.js'
import { benchSigners, type SignerRow } from './signers.js'
import { buildServer, stackS3Client } from './servers.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const ALL = [
  'presign',
  'confirm',
  'growth',
  'server-cost',
  'large-file',
  'load',
  'soak',
  'migration',
  'move',
  'scan',
  'gc',
  'chaos',
] as const
const chosen = process.argv.slice(2).filter((arg) => (ALL as readonly string[]).includes(arg))
/**
 * Only when named: `gc` fills 100,000 documents first and takes tens of minutes on a small machine; `chaos` freezes
 * each server of the stack for 15 s in turn (several minutes).
 */
const OPT_IN = new Set<string>(['gc', 'chaos'])
const selected = chosen.length > 0 ? chosen : ALL.filter((name) => !OPT_IN.has(name))
const resultsPath = fileURLToPath(new URL('RESULTS.md', import.meta.url))
const chartPath = fileURLToPath(new URL('latest.svg', import.meta.url))

const log = (line: string): void => console.log(line)
const stack = await startStack({ log })
const bucket = `bench-${Date.now()}`
const database = `bench_${Date.now()}`
const s3 = stackS3Client(stack)
await s3.send(new CreateBucketCommand({ Bucket: bucket }))
s3.destroy()
const machine = describeMachine(stack)
log(`bench: ${formatMachine(machine)}`)
log('bench: building the server (as Render does)')
buildServer()

let signers: SignerRow[] | undefined
let presign: PresignRow[] | undefined
let metricsCost: MetricsCost | undefined
let confirm: ConfirmRow[] | undefined
let growth: GrowthRow[] | undefined
let serverCost: ServerCostRow[] | undefined
let largeFile: LargeFileResult | undefined
let load: LoadResult | undefined
let soak: SoakResult | undefined
let migration: { rows: MigrationRow[]; files: number; megabytes: number } | undefined
let gc: GcRow[] | undefined
let moved: { rows: MoveRow[]; files: number; megabytes: number } | undefined
let scan: ScanRow[] | undefined
let chaos: ChaosResult | undefined
try {
  if (selected.includes('presign')) {
    log('bench: CPU per presigned URL, signing alone')
    signers = await benchSigners(stack, bucket)
    console.table(signers)
    log(`bench: API CPU per presign, metrics on and off (3 rounds × 2 servers × ${PRESIGN_WARMUP_S + 6} s)`)
    metricsCost = await benchMetricsCost(stack, bucket, database)
    console.table([metricsCost])
    log(`bench: presign throughput (3 servers × ${PRESIGN_WARMUP_S + 10} s)`)
    presign = await benchPresign(stack, bucket, database)
    console.table(presign)
  }
  if (selected.includes('confirm')) {
    log('bench: confirm, 16 clients (3 runs)')
    confirm = await benchConfirm(stack, bucket, database)
    console.table(confirm)
  }
  if (selected.includes('growth')) {
    log('bench: API CPU per presign and confirm, workspaces of 1,000 and 100,000 (BENCH_GROWTH_RECORDS) records')
    growth = await benchGrowth(stack, bucket, database, log)
    console.table(growth)
  }
  if (selected.includes('server-cost')) {
    log('bench: server cost of 20 concurrent 50 MB uploads')
    serverCost = await benchServerCost(stack, bucket, database)
    console.table(serverCost)
  }
  if (selected.includes('large-file')) {
    log('bench: large-file throughput (1 GB unless BENCH_LARGE_FILE_MB says otherwise)')
    largeFile = await benchLargeFile(stack, bucket, database, log)
    console.table(largeFile.rows)
  }
  if (selected.includes('load')) {
    log('bench: load, 50 clients × 20 uploads')
    load = await runLoad(stack, bucket, `${database}_load`)
    console.table(load.steps)
    log(
      `bench: ${load.uploads} uploads in ${load.seconds} s; ${load.confirmedRecords} confirmed records, ${load.objects} objects, doctor clean: ${load.doctorClean}, failures: ${load.failures.length}`,
    )
  }
  if (selected.includes('soak')) {
    log('bench: soak, 5,000 uploads, sampling the API’s RSS')
    soak = await runSoak(stack, bucket, `${database}_soak`)
    console.table(soak.steps)
    log(
      `bench: soak RSS ${soak.warmRssMiB} MiB after warm-up, ${soak.endRssMiB} MiB at the end, at most ${soak.maxRssAfterWarmUpMiB} MiB; failures: ${soak.failures.length}`,
    )
  }
  if (selected.includes('migration')) {
    log('bench: hoist migrate vs aws s3 sync, 2,000 PNGs')
    migration = await benchMigration(stack, bucket, `${database}_mig`, log)
    console.table(migration.rows.map(({ phases, ...row }) => ({ ...row, ...phases })))
  }
  if (selected.includes('gc')) {
    log('bench: hoist gc, 100,000 app documents and 10,000 uploads')
    gc = await benchGc(stack, bucket, `${database}_gc`, log)
    console.table(gc.map(({ steps, ...row }) => ({ ...row, ...steps })))
  }
  if (selected.includes('move')) {
    log('bench: hoist move vs aws s3 sync between buckets, 2,000 PNGs')
    moved = await benchMove(stack, `${database}_move`, log)
    console.table(moved.rows.map(({ phases, ...row }) => ({ ...row, ...phases })))
  }
  if (selected.includes('scan')) {
    log('bench: PUT to published, scanning on vs off (10 MB, 200 MB)')
    scan = await benchScan(stack, bucket, database)
    console.table(scan)
  }
  if (selected.includes('chaos')) {
    // CHAOS_UPLOADS: fewer uploads, for a machine that other work shares (the freezes stay 15 s each).
    const uploads = Number(process.env.CHAOS_UPLOADS ?? 1000)
    log(`bench: chaos, ${uploads} uploads, two API instances and a worker with skewed clocks, each server frozen 15 s`)
    chaos = await runChaos(stack, `${database}_chaos`, {
      uploads,
      freezeSeconds: 15,
      gapSeconds: 5,
      targets: ALL_TARGETS,
      clients: 8,
      // The defaults (README "Time budgets"), each shorter than a freeze.
      budgets: { mongoMs: 5_000, s3Ms: 10_000, redisMs: 1_000 },
      skews: { a: -120, b: 90, worker: 240 },
      deleteEvery: 4,
      entry: 'dist',
      settleSeconds: 180,
      log,
    })
    console.table(chaos.routes.map(({ slowest: _slowest, ...route }) => route))
  }
} catch (error) {
  await stack.stop()
  throw error
}

/** Issue 26's goals: API CPU per confirm, and per presign as a fraction of Companion's. */
const CONFIRM_GOAL_MICROS = 1_500
const PRESIGN_GOAL_OF_COMPANION = 0.25
/** The API's CPU per presign with metrics on, as a percentage more than with them off. */
const METRICS_GOAL_PERCENT = 5
/** API CPU per presign and per confirm in a workspace of 100,000 records, as a multiple of one of 1,000. */
const GROWTH_GOAL = 1.2
/** Hoist's API CPU per GB as a fraction of the proxied design's. */
const SERVER_COST_GOAL_OF_PROXY = 0.01
/** The web client's 8-part throughput as a fraction of `aws s3 cp`'s, and of MinIO's ceiling. */
const LARGE_FILE_GOAL_OF_AWS_CP = 1
const LARGE_FILE_GOAL_OF_MINIO = 0.9
/** `hoist migrate`'s wall time as a multiple of `aws s3 sync`'s, in each round. */
const MIGRATE_GOAL_OF_AWS_SYNC = 1.5
const ratio = (a: number, b: number): string => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`)
const percent = (fraction: number): string => `${(100 * fraction).toFixed(0)}%`
const verdict = (met: boolean): string => (met ? 'met' : 'not met')
const lines: string[] = [
  `\n## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  `Machine: ${formatMachine(machine)}.`,
  '',
]
if (signers) {
  lines.push(
    '### Signing alone: CPU per presigned PUT URL (5,000 URLs, in process)',
    '',
    '| signer | µs CPU per URL | vs Hoist |',
    '|---|---:|---:|',
    ...signers.map((r) => `| ${r.signer} | ${r.microsPerUrl} | ${ratio(r.microsPerUrl, signers[0]!.microsPerUrl)} |`),
    '',
  )
}
if (presign) {
  const base = presign[0]!
  const companion = presign.find((r) => r.variant.startsWith('Uppy Companion'))?.cpuMicrosPerRequest ?? Infinity
  const ofCompanion = base.cpuMicrosPerRequest / companion
  lines.push(
    `### Presign throughput (\`POST /v1/uploads\`: JWT, validation, ledger insert, presign), 16 connections, 10 s after ${PRESIGN_WARMUP_S} s of warm-up`,
    '',
    '| variant | req/s | p50 ms | p99 ms | server CPU µs/req | req/s vs Hoist (SigV4) | CPU vs Hoist (SigV4) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...presign.map(
      (r) =>
        `| ${r.variant} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuMicrosPerRequest} | ${ratio(r.requestsPerSecond, base.requestsPerSecond)} | ${ratio(r.cpuMicrosPerRequest, base.cpuMicrosPerRequest)} | ${r.errors} |`,
    ),
    '',
    `Companion signs a presigned POST with no authentication and no database write; Hoist verifies a JWT, validates, checks the quota and inserts a pending record per request — into ${machine.database} here, which shares this machine's cores with autocannon and the API. The CPU column is the API process alone. Hoist's API CPU per presign is ${(100 * ofCompanion).toFixed(0)}% of Companion's (goal: at most ${100 * PRESIGN_GOAL_OF_COMPANION}%): ${verdict(ofCompanion <= PRESIGN_GOAL_OF_COMPANION)}.`,
    '',
  )
}
if (metricsCost) {
  const { onMicros, offMicros } = metricsCost
  const more = (100 * (onMicros - offMicros)) / offMicros
  lines.push(
    '### What the metrics cost: API CPU per presign with `METRICS` on (the default) and off',
    '',
    '| METRICS | server CPU µs/req | req/s |',
    '|---|---:|---:|',
    `| on | ${onMicros} | ${metricsCost.onRequestsPerSecond} |`,
    `| off | ${offMicros} | ${metricsCost.offRequestsPerSecond} |`,
    '',
    `Medians of ${metricsCost.rounds} rounds, on and off interleaved (6 s each after a ${PRESIGN_WARMUP_S} s warm-up): ${more >= 0 ? '+' : ''}${more.toFixed(1)}% CPU per presign with metrics on (goal: at most +${METRICS_GOAL_PERCENT}%): ${verdict(more <= METRICS_GOAL_PERCENT)}. Each request adds one histogram observation and each MongoDB or Redis call one more (under 1 µs each, in process); other work on this machine moves single runs by more than that.`,
    '',
  )
}
if (confirm) {
  const median = medianCpuMicros(confirm)
  lines.push(
    '### Confirm (`POST /v1/uploads/:id/confirm` of a 2 KB PNG PUT before), 16 clients, 3 runs',
    '',
    '| run | confirms | per s | p50 ms | p99 ms | server CPU µs/req | errors |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...confirm.map(
      (r, i) =>
        `| ${i + 1} | ${r.confirms} | ${r.confirmsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.cpuMicrosPerRequest} | ${r.errors} |`,
    ),
    '',
    `API CPU per confirm, median of the runs: ${median} µs (goal: at most ${CONFIRM_GOAL_MICROS} µs): ${verdict(median <= CONFIRM_GOAL_MICROS)}. Each confirm makes 1 round trip to the bucket (a ranged GET of at most 4 KiB, whose headers are the object's; a HEAD too when the upload declared a SHA-256, which these do not) and 2 writes to ${machine.database} (the transition's claim, which is its event, and the record's update), plus one read of the record; each run is a fresh process and database, and its first ${CONFIRM_WARMUP.toLocaleString('en')} confirms are not counted (a fresh process gets cheaper per confirm for thousands of them).`,
    '',
  )
}
if (presign && confirm) {
  const hoist = presign[0]!
  const companion = presign.find((r) => r.variant.startsWith('Uppy Companion'))
  const confirmMicros = medianCpuMicros(confirm)
  const perUpload = hoist.cpuMicrosPerRequest + confirmMicros
  lines.push(
    "### API CPU per upload: Hoist's presign + confirm beside Companion's sign-only presign",
    '',
    '| variant | presign µs | confirm µs | per upload µs | vs Companion |',
    '|---|---:|---:|---:|---:|',
    `| ${hoist.variant} | ${hoist.cpuMicrosPerRequest} | ${confirmMicros} | ${perUpload} | ${companion ? ratio(perUpload, companion.cpuMicrosPerRequest) : 'n/a'} |`,
    ...(companion
      ? [`| ${companion.variant} | ${companion.cpuMicrosPerRequest} | — | ${companion.cpuMicrosPerRequest} | 1.00× |`]
      : []),
    '',
    "An upload through Hoist is two API calls: the presign (JWT, validation, quota, ledger insert, signing) and the confirm (a ranged GET in the bucket, the record's transition and its event); Companion's is one signature, with no authentication and no record. Presign from the throughput run above, confirm the median of its runs.",
    '',
  )
}
if (growth) {
  const [small, large] = growth as [GrowthRow, GrowthRow]
  const presignGrowth = large.medianPresignMicros / small.medianPresignMicros
  const confirmGrowth = large.medianConfirmMicros / small.medianConfirmMicros
  const count = (records: number): string => records.toLocaleString('en-US')
  lines.push(
    `### Growth: API CPU per presign and per confirm in a workspace of ${count(small.records)} records and of ${count(large.records)}`,
    '',
    '| records | seeded in s | presign µs | runs µs | presigns/s | confirm µs | runs µs | confirms/s | errors |',
    '|---:|---:|---:|---|---:|---:|---|---:|---:|',
    ...growth.map(
      (r) =>
        `| ${count(r.records)} | ${r.seedSeconds} | ${r.medianPresignMicros} | ${r.presignMicros.join(', ')} | ${r.medianPresignsPerSecond} | ${r.medianConfirmMicros} | ${r.confirmMicros.join(', ')} | ${r.medianConfirmsPerSecond} | ${r.errors} |`,
    ),
    '',
    `At ${count(large.records)} records a presign costs the API ${presignGrowth.toFixed(2)}× and a confirm ${confirmGrowth.toFixed(2)}× their CPU at ${count(small.records)} (goal: within ${GROWTH_GOAL}× each): ${verdict(presignGrowth <= GROWTH_GOAL && confirmGrowth <= GROWTH_GOAL)}. Medians of ${small.presignMicros.length} round${small.presignMicros.length === 1 ? '' : 's'}, the two sizes interleaved; each run is a fresh API process whose warm-up uploads are not counted, then ${small.requests} presigns and ${small.requests} confirms from 16 clients, and its uploads are deleted after it. The confirmed records were written straight to the ledger's collection, each workspace in a database of its own on ${machine.database}.`,
    '',
  )
}
if (serverCost) {
  const [hoist, proxy] = serverCost
  lines.push(
    '### Server cost of 20 concurrent 50 MB uploads (the API process, read from /proc)',
    '',
    '| variant | wall s | CPU s per GB | warm-up uploads, CPU s | idle RSS MiB | peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|',
    ...serverCost.map(
      (r) =>
        `| ${r.variant} | ${r.wallSeconds} | ${r.cpuSecondsPerGB} | ${r.warmupCpuSeconds} | ${r.idleRssMiB} | ${r.peakRssMiB} |`,
    ),
    '',
    hoist && proxy
      ? `Hoist's CPU per GB is ${((100 * hoist.cpuSecondsPerGB) / proxy.cpuSecondsPerGB).toFixed(1)}% of the sketch's (goal: at most ${100 * SERVER_COST_GOAL_OF_PROXY}%): ${verdict(hoist.cpuSecondsPerGB <= SERVER_COST_GOAL_OF_PROXY * proxy.cpuSecondsPerGB)}. Everything the process did during the 20 uploads is counted, idle timers and driver monitoring included; before them each fresh process serves 1,000 uploads of a 4 KiB file and 2 of 50 MB, shown apart (compiling serializers, building the S3 client, V8 optimizing the hot code). The sketch's peak memory grows ${ratio(proxy.peakRssMiB - proxy.idleRssMiB, Math.max(1, hoist.peakRssMiB - hoist.idleRssMiB))} as much as Hoist's; wall time ${ratio(proxy.wallSeconds, hoist.wallSeconds)}.`
      : '',
    '',
  )
}
if (largeFile) {
  const { rows, webClient, awsCp, minioCeiling, size } = largeFile
  const ceiling = rows[0]!
  // Throughput ratios from the times: the MB/s column is rounded.
  const ofAwsCp = awsCp.seconds / webClient.seconds
  const ofMinio = minioCeiling.seconds / webClient.seconds
  lines.push(
    `### ${size} file (real web client, Node transport nodePut unless the row says fetchPut, 16 MiB parts)`,
    '',
    '| variant | seconds | MB/s | of the loopback ceiling |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${r.seconds} | ${r.megabytesPerSecond} | ${Math.round((100 * r.megabytesPerSecond) / ceiling.megabytesPerSecond)}% |`,
    ),
    '',
    `${webClient.variant}: ${percent(ofAwsCp)} of \`aws s3 cp\`'s throughput (goal: at least ${percent(LARGE_FILE_GOAL_OF_AWS_CP)}): ${verdict(ofAwsCp >= LARGE_FILE_GOAL_OF_AWS_CP)}; ${percent(ofMinio)} of MinIO's ceiling (goal: at least ${percent(LARGE_FILE_GOAL_OF_MINIO)}): ${verdict(ofMinio >= LARGE_FILE_GOAL_OF_MINIO)}. \`aws s3 cp\` sends the same 16 MiB parts, 8 at a time (set in its config file), and is timed as an operator runs it, Python's start included; it sends a CRC32 of each part, its default. MinIO's ceiling is what MinIO takes from a client that costs almost nothing: 8 parallel PUTs of an in-memory 16 MiB buffer to part URLs presigned before the clock starts, then the completion.`,
    '',
  )
}
if (load) {
  lines.push(
    `### Load: ${load.uploads} uploads (50 clients × 20, 20 KB PNG), ${load.seconds} s`,
    '',
    '| step | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|',
    ...load.steps.map((s) => `| ${s.step} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} |`),
    '',
    `The MongoDB-wire server here is ${machine.database}, on the same cores as the clients, MinIO and the API; presign and confirm wait on it, PUT touches only MinIO.`,
    '',
    `Lost: ${load.uploads - load.confirmedRecords} (confirmed records ${load.confirmedRecords}, objects ${load.objects}, doctor ${load.doctorClean ? 'clean' : 'NOT clean'}, failed requests ${load.failures.length}${load.failures.length ? `: ${[...new Set(load.failures)].slice(0, 3).join('; ')}` : ''}).`,
    '',
  )
}
if (soak) {
  const lost = soak.uploads - soak.confirmedRecords
  lines.push(
    `### Soak: ${soak.uploads} uploads (25 clients × 200, 20 KB PNG) against one API process, ${soak.seconds} s`,
    '',
    '| step | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|',
    ...soak.steps.map((s) => `| ${s.step} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} |`),
    '',
    `API RSS: ${soak.warmRssMiB} MiB after warm-up (the first ${soak.uploads / 5} uploads), ${soak.endRssMiB} MiB at the end, at most ${soak.maxRssAfterWarmUpMiB} MiB in between (${ratio(soak.endRssMiB, soak.warmRssMiB)} of the warm figure). Samples (uploads done: MiB): ${soak.rss
      .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 12)) === 0 || i === all.length - 1)
      .map(([uploads, mib]) => `${uploads}: ${mib}`)
      .join(', ')}.`,
    '',
    `Lost: ${lost} (confirmed records ${soak.confirmedRecords}, objects ${soak.objects}, doctor ${soak.doctorClean ? 'clean' : 'NOT clean'}, failed requests ${soak.failures.length}).`,
    '',
  )
}
if (migration) {
  const sync = migration.rows.find((r) => r.variant === 'aws s3 sync')!
  const phaseNames = [...new Set(migration.rows.flatMap((r) => Object.keys(r.phases ?? {})))]
  lines.push(
    `### Migration: ${migration.files} PNGs (${migration.megabytes} MB) referenced by ${migration.files} documents, \`hoist migrate\` vs \`aws s3 sync\``,
    '',
    `| variant | median s | runs s | vs aws s3 sync |${phaseNames.map((p) => ` ${p} s |`).join('')}`,
    `|---|---:|---|---:|${phaseNames.map(() => '---:|').join('')}`,
    ...migration.rows.map(
      (r) =>
        `| ${r.variant} | ${r.medianSeconds} | ${r.seconds.join(', ')} | ${ratio(r.medianSeconds, sync.medianSeconds)} |${phaseNames.map((p) => ` ${r.phases?.[p] ?? ''} |`).join('')}`,
    ),
    '',
    "Wall time of each command as an operator runs it (process start included): `hoist migrate` hashes, uploads with a SHA-256 S3 verifies, checks each stored checksum, creates the records, rewrites the documents and fetches every new URL; `aws s3 sync` copies the files only. Runs interleaved, one of each per round, on a machine other work shares; phase columns are medians of the report's own timers.",
    '',
  )
  const operators = migration.rows.find((r) => r.variant === MIGRATE_DEFAULT_VARIANT)
  if (operators) {
    const perRound = operators.seconds.map((seconds, round) => seconds / sync.seconds[round]!)
    lines.push(
      `\`${MIGRATE_DEFAULT_VARIANT}\` (its default) against \`aws s3 sync\` of the same round: ${perRound.map((r) => `${r.toFixed(2)}×`).join(', ')} (goal: at most ${MIGRATE_GOAL_OF_AWS_SYNC}× in each round): ${verdict(perRound.every((r) => r <= MIGRATE_GOAL_OF_AWS_SYNC))}.`,
      '',
    )
  }
}
if (gc) {
  lines.push(
    '### `hoist gc`: 10,000 confirmed uploads, 100,000 app documents (1,000 uploads attached, 4,000 referenced)',
    '',
    '| run | documents scanned | s | candidates s | documents s | checks and deletes s | peak RSS MiB | unreferenced | deleted |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...gc.map(
      (r) =>
        `| ${r.run} | ${r.documents} | ${r.seconds} | ${r.steps.candidates} | ${r.steps.documents} | ${r.steps.deletes} | ${r.peakRssMiB} | ${r.unreferenced} | ${r.deleted} |`,
    ),
    '',
    "Wall time and the CLI process's peak resident memory (VmHWM) as an operator runs it, process start included. Only the candidates are held in memory; documents are streamed, so the peak over 100,000 documents is to be read beside the one over 10,000. Each delete is the API's: the object, then the record's transition and its event.",
    '',
  )
}
if (moved) {
  const sync = moved.rows.find((r) => r.variant === 'aws s3 sync')!
  const movePhases = [...new Set(moved.rows.flatMap((r) => Object.keys(r.phases ?? {})))]
  lines.push(
    `### Storage exit: ${moved.files} PNGs (${moved.megabytes} MB) referenced by ${moved.files} documents, \`hoist move\` vs \`aws s3 sync\` between buckets`,
    '',
    `| variant | median s | runs s | vs aws s3 sync | peak RSS MiB |${movePhases.map((p) => ` ${p} s |`).join('')}`,
    `|---|---:|---|---:|---:|${movePhases.map(() => '---:|').join('')}`,
    ...moved.rows.map(
      (r) =>
        `| ${r.variant} | ${r.medianSeconds} | ${r.seconds.join(', ')} | ${ratio(r.medianSeconds, sync.medianSeconds)} | ${r.peakRssMiB ?? ''} |${movePhases.map((p) => ` ${r.phases?.[p] ?? ''} |`).join('')}`,
    ),
    '',
    'Wall time of each command as an operator runs it (process start included), on one MinIO: `hoist move` creates and sets up the target bucket, streams each object through itself (GET, PUT with a SHA-256 the target verifies, HEAD to read the stored checksum back) and rewrites the 2,000 documents; `aws s3 sync` between two buckets of one endpoint asks the server to copy each object (CopyObject), so no byte passes through it, and checks nothing. Across two stores (R2, another region) no server-side copy exists. Runs interleaved, one of each per round.',
    '',
  )
}
if (scan) {
  lines.push(
    '### Scan before publish: from the upload’s start to its public URL (real web client, median of 3)',
    '',
    '| variant | MB | upload start → published ms | confirm → published ms |',
    '|---|---:|---:|---:|',
    ...scan.map((r) => `| ${r.variant} | ${r.megabytes} | ${r.putToPublishedMs} | ${r.confirmToPublishedMs} |`),
    '',
    "The stack's clamd has one test signature (the EICAR string): a full ClamAV database takes longer per byte. With scanning on, the file is streamed from the bucket to clamd, then copied inside the bucket to its public key.",
    '',
  )
}
if (chaos) lines.push(...formatChaos(chaos))
if (!existsSync(resultsPath))
  writeFileSync(
    resultsPath,
    '# Benchmark results\n\nAppended by `npm run bench`; newest last. Figures from one machine in one run compare with each other, not with other runs.\n',
  )
appendFileSync(resultsPath, `${lines.join('\n')}\n`)

const panels: Panel[] = []
if (presign)
  panels.push({
    title: 'Presign throughput (higher is better)',
    unit: 'req/s',
    bars: presign.map((r, i) => ({ label: r.variant, value: r.requestsPerSecond, highlight: i === 0 })),
  })
if (growth)
  panels.push({
    title: 'API CPU per request as the workspace grows (flat is good)',
    unit: 'µs',
    bars: (['presign', 'confirm'] as const).flatMap((step) =>
      growth.map((r) => ({
        label: `${step}, ${r.records.toLocaleString('en-US')} records`,
        value: step === 'presign' ? r.medianPresignMicros : r.medianConfirmMicros,
        highlight: true,
      })),
    ),
  })
if (serverCost) {
  panels.push({
    title: 'API CPU per GB uploaded (lower is better)',
    unit: 'CPU s/GB',
    bars: serverCost.map((r, i) => ({ label: r.variant, value: r.cpuSecondsPerGB, highlight: i === 0 })),
  })
  panels.push({
    title: 'API peak memory, 20 × 50 MB at once (lower is better)',
    unit: 'MiB',
    bars: serverCost.map((r, i) => ({ label: r.variant, value: r.peakRssMiB, highlight: i === 0 })),
  })
}
if (largeFile)
  panels.push({
    title: `${largeFile.size} upload throughput (higher is better)`,
    unit: 'MB/s',
    bars: largeFile.rows.map((r) => ({
      label: r.variant,
      value: r.megabytesPerSecond,
      highlight: r.variant.includes('4 parallel'),
    })),
  })
if (load)
  panels.push({
    title: `Load: ${load.uploads} uploads, p99 per step (lower is better)`,
    unit: 'ms',
    bars: load.steps.map((s) => ({ label: s.step, value: s.p99Ms })),
  })
if (soak) {
  const step = Math.max(1, Math.floor(soak.rss.length / 8))
  panels.push({
    title: `Soak: API memory as ${soak.uploads} uploads go on (flat is good)`,
    unit: 'MiB',
    bars: soak.rss
      .filter((_, i, all) => i % step === 0 || i === all.length - 1)
      .map(([uploads, mib]) => ({ label: `after ${uploads}`, value: mib })),
  })
}
if (migration)
  panels.push({
    title: `Migration of ${migration.files} files, median wall time (lower is better)`,
    unit: 's',
    bars: migration.rows.map((r) => ({
      label: r.variant,
      value: r.medianSeconds,
      highlight: r.variant === MIGRATE_DEFAULT_VARIANT,
    })),
  })
if (moved)
  panels.push({
    title: `Storage exit of ${moved.files} files, median wall time (lower is better)`,
    unit: 's',
    bars: moved.rows.map((r) => ({ label: r.variant, value: r.medianSeconds, highlight: r.variant.includes('16') })),
  })
if (signers)
  panels.unshift({
    title: 'CPU per presigned URL, signing alone (lower is better)',
    unit: 'µs',
    bars: signers.map((r, i) => ({ label: r.signer, value: r.microsPerUrl, highlight: i === 0 })),
  })
if (panels.length > 0)
  writeFileSync(chartPath, renderChart('Hoist benchmarks — latest run', formatMachine(machine), panels))
log(`bench: results appended to ${resultsPath}; chart in ${chartPath}`)
// Only now: the figures are on disk even when stopping the servers goes wrong (a migration run once ended the
// process while the stack was stopping, before anything was written).
await stack.stop()
const lostAny = (run: LoadResult | undefined): boolean =>
  run !== undefined &&
  (run.failures.length > 0 || run.confirmedRecords !== run.uploads || run.objects !== run.uploads || !run.doctorClean)
for (const [name, run] of [
  ['load', load],
  ['soak', soak],
] as const) {
  if (!lostAny(run)) continue
  console.error(`bench: the ${name} run lost or failed uploads, or left objects without records`)
  process.exitCode = 1
}
for (const failure of chaos ? chaosFailures(chaos) : []) {
  console.error(`bench: chaos: ${failure}`)
  process.exitCode = 1
}
