/**
 * The chaos run (issue 23): two API instances and a `hoist worker`, each with its clock minutes off (bench/skewed-
 * process.ts), take a paced stream of small PNG uploads (presign on one instance, confirm on the other, every few a
 * delete), with a workspace quota that refuses some presigns near the end, while a feed consumer follows
 * `GET /v1/events` through both instances from its cursor — and each server is frozen with SIGSTOP in turn (MinIO,
 * FerretDB, PostgreSQL, Redis, the worker, each API instance). Afterwards, from the outside: nothing lost (every
 * upload whose PUT finished is confirmed, deleted or explicitly rejected, and the doctor is clean), the quota never
 * exceeded (the journal at every position, and what the clients were admitted at every moment), no request waiting
 * out a frozen dependency (a 503 with Retry-After within the route's budget, never a hang), and the
 * consumer having seen every event of the feed exactly once and in seq order.
 *
 * `npm run bench -- chaos` runs it at full size; test/integration/reliability/chaos.test.ts runs a short one.
 */
import { createSigner } from 'fast-jwt'
import type { Db } from 'mongodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { freeze, stackEnv, type Stack } from '../infra/stack/index.js'
import { runDoctor, type DoctorReport } from '../server/src/doctor/doctor.js'
import { EVENTS_COLLECTION, type StoredEvent } from '../server/src/events/stored-event.js'
import { connectMongo } from '../server/src/storage/mongo-client.js'
import { MongoLedger } from '../server/src/storage/mongo-ledger.js'
import { openObjectStore } from '../server/src/storage/open-object-store.js'
import { QUOTA_JOURNAL_COLLECTION } from '../server/src/storage/quota-journal.js'
import { pngImage } from '../test/helpers/png.js'
import { percentile } from './load.js'
import { BENCH_JWT_SECRET, stackConfig, stackS3Client } from './servers.js'
import { startSkewedProcess, type SkewedProcess } from './skewed-process.js'

export type FreezeTarget = 'MinIO' | 'FerretDB' | 'PostgreSQL' | 'Redis' | 'worker' | 'API a' | 'API b'
export const ALL_TARGETS: FreezeTarget[] = ['MinIO', 'FerretDB', 'PostgreSQL', 'Redis', 'worker', 'API a', 'API b']

export interface ChaosOptions {
  uploads: number
  freezeSeconds: number
  /** Between two freezes, and before the first: the stack recovers while the load goes on. */
  gapSeconds: number
  targets: FreezeTarget[]
  /** Concurrent upload clients. */
  clients: number
  /** Each dependency's budget, shorter than a freeze so that a freeze spends it (README "Time budgets"). */
  budgets: { mongoMs: number; s3Ms: number; redisMs: number }
  /** The clocks of API a, API b and the worker, in seconds from the real one. */
  skews: { a: number; b: number; worker: number }
  /** Every n-th confirmed upload is deleted again (through the other instance). */
  deleteEvery: number
  entry: 'dist' | 'source'
  /** How long the stack may take to settle after the load (the worker's backlog, the consumer catching up). */
  settleSeconds: number
  log: (line: string) => void
}

type Route = 'POST /v1/uploads' | 'POST /v1/uploads/:id/confirm' | 'DELETE /v1/uploads/:id' | 'GET /v1/events'
const ROUTES: Route[] = ['POST /v1/uploads', 'POST /v1/uploads/:id/confirm', 'DELETE /v1/uploads/:id', 'GET /v1/events']

interface RequestRecord {
  route: Route
  instance: 'a' | 'b'
  start: number
  end: number
  /** 0: no answer (the client gave up). */
  status: number
  retryAfter: boolean
  errorShape: boolean
}

interface RouteFigures {
  route: Route
  requests: number
  /** The documented worst case: REDIS_TIMEOUT_MS plus each dependency the route calls at its budget (× its retries). */
  budgetMs: number
  maxMs: number
  p99Ms: number
  /** Still in flight when a frozen dependency thawed, after more of the freeze than the route's budget (a hang). */
  waitedOutFreeze: number
  unavailable: number
  /** 503s without Retry-After, or errors outside the `{ error: { code, message } }` shape. */
  malformed: number
  noAnswer: number
  /** Requests in flight on an instance when it was frozen: held by the stopped process itself, not counted above. */
  heldByFrozenInstance: number
  /** The slowest counted requests: how long, the answer, and what was frozen while they ran. */
  slowest: string[]
}

export interface ChaosResult {
  seconds: number
  budgets: ChaosOptions['budgets']
  skews: { a: number; b: number; worker: number }
  freezes: { target: FreezeTarget; seconds: number }[]
  uploads: {
    busyAnswers: number
    attempted: number
    admitted: number
    refusedByQuota: number
    presignGaveUp: number
    put: number
    confirmed: number
    deleted: number
    lost: string[]
  }
  routes: RouteFigures[]
  events: {
    inFeed: number
    seen: number
    duplicates: number
    /** Events up to the consumer's cursor that it never saw. */
    missing: number
    outOfOrder: number
    unexpected: number
    /** Written after the consumer stopped (only when the stack did not settle in time): not read, not missing. */
    afterConsumerStopped: number
  }
  /** Events the load must have caused (a confirmed and a deleted event per upload so), absent from the feed. */
  eventsMissingForUploads: string[]
  quota: {
    limit: number
    journalMax: number
    journalEntries: number
    journalBroken: string[]
    clientMaxAdmitted: number
    liveBytesAtEnd: number
  }
  doctor: DoctorReport
  problems: string[]
}

/** Upload i's file: a small real PNG (so the worker makes variants), its size varying a little from one to the next. */
function fileFor(i: number): Buffer {
  return pngImage(48 + (i % 17), 40 + (i % 5), [(i * 37) % 256, (i * 91) % 256, 200])
}

const errorCode = (body: unknown): string | undefined =>
  (body as { error?: { code?: string } } | undefined)?.error?.code

/** See ChaosRun.waitedOutFreeze. */
const THAW_GRACE_MS = 1_000

const isFrozenInstance = (target: FreezeTarget): target is 'API a' | 'API b' => target.startsWith('API')

export async function runChaos(stack: Stack, database: string, options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options
  const bucket = `chaos-${Date.now()}`
  const s3 = stackS3Client(stack)
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  s3.destroy()
  const workspace = `chaos-${Date.now()}`
  const files = Array.from({ length: options.uploads }, (_, i) => fileFor(i))
  const totalBytes = files.reduce((sum, file) => sum + file.length, 0)
  // Room for ~85% of what stays live if nothing is refused: the last presigns meet the limit, and deletes make room.
  const quota = Math.floor(0.85 * totalBytes * (1 - 1 / options.deleteEvery))
  const { mongoMs, s3Ms, redisMs } = options.budgets
  const env: Record<string, string> = {
    ...stackEnv(stack, bucket),
    MONGO_DB_NAME: database,
    JWT_SECRET: BENCH_JWT_SECRET,
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    SWEEP_INTERVAL_SECONDS: '15',
    PRESIGN_RATE_LIMIT_PER_MINUTE: '100000000',
    BUCKET_CALL_RATE_LIMIT_PER_MINUTE: '100000000',
    LIST_RATE_LIMIT_PER_MINUTE: '100000000',
    WORKSPACE_QUOTA_BYTES: String(quota),
    MONGO_TIMEOUT_MS: String(mongoMs),
    S3_TIMEOUT_MS: String(s3Ms),
    REDIS_TIMEOUT_MS: String(redisMs),
    IMAGE_WIDTHS: '16,32',
    IMAGE_CONCURRENCY: '2',
  }
  const skewed = (name: string, role: 'api' | 'worker', skewSeconds: number) =>
    startSkewedProcess({ name, role, entry: options.entry, skewSeconds, env })
  const started: SkewedProcess[] = []
  const mongoClient = await connectMongo(stack.mongoUri, 2_000)
  try {
    // The first one alone: it creates the indexes.
    started.push(await skewed('API a', 'api', options.skews.a))
    const others = await Promise.allSettled([
      skewed('API b', 'api', options.skews.b),
      skewed('worker', 'worker', options.skews.worker),
    ])
    for (const other of others) if (other.status === 'fulfilled') started.push(other.value)
    for (const other of others) if (other.status === 'rejected') throw other.reason
    const [a, b, worker] = started as [SkewedProcess, SkewedProcess, SkewedProcess]
    log(
      `chaos: clocks API a ${a.measuredSkewSeconds} s, API b ${b.measuredSkewSeconds} s, worker ${worker.measuredSkewSeconds} s from the real one; quota ${quota} bytes for ${totalBytes} bytes of files`,
    )
    const db = mongoClient.db(database)
    const run = new ChaosRun(options, workspace, files, quota, { a, b }, db)

    const frozenPids: Record<FreezeTarget, () => number[]> = {
      MinIO: () => stack.servers.s3?.pids?.() ?? [],
      FerretDB: () => stack.servers.mongo?.pids?.() ?? [],
      PostgreSQL: () => stack.servers.backing.find((server) => /postgres/i.test(server.name))?.pids?.() ?? [],
      Redis: () => stack.servers.redis?.pids?.() ?? [],
      worker: () => [worker.pid],
      'API a': () => [a.pid],
      'API b': () => [b.pid],
    }
    const t0 = performance.now()
    const scheduleSeconds = options.gapSeconds + options.targets.length * (options.freezeSeconds + options.gapSeconds)
    const freezes = (async () => {
      for (const target of options.targets) {
        await sleep(options.gapSeconds * 1000)
        const pids = frozenPids[target]()
        if (pids.length === 0) {
          run.problems.push(`${target}: no process to freeze (not a native stack?)`)
          continue
        }
        log(`chaos: freezing ${target} for ${options.freezeSeconds} s`)
        const thaw = freeze(pids)
        run.frozen.add(target)
        const start = performance.now()
        await sleep(options.freezeSeconds * 1000)
        thaw()
        run.frozen.delete(target)
        run.freezes.push({ target, start, end: performance.now() })
      }
      await sleep(options.gapSeconds * 1000)
    })()
    const consumer = run.consume()
    // The uploads are paced over the freeze schedule (the last tenth of it left for stragglers), so every freeze
    // meets load.
    await Promise.all([run.load(t0, (0.9 * scheduleSeconds * 1000) / options.uploads), freezes])
    log('chaos: load and freezes done; settling')
    await run.settle()
    run.stopConsumer()
    await consumer
    const seconds = (performance.now() - t0) / 1000
    const result = await run.verify(stack, bucket, database)
    return {
      ...result,
      seconds: Number(seconds.toFixed(1)),
      budgets: options.budgets,
      skews: { a: a.measuredSkewSeconds, b: b.measuredSkewSeconds, worker: worker.measuredSkewSeconds },
      freezes: run.freezes.map(({ target, start, end }) => ({
        target,
        seconds: Number(((end - start) / 1000).toFixed(1)),
      })),
    }
  } catch (error) {
    for (const process of started) log(`chaos: ${process.name} said:\n${process.output().slice(-3000)}`)
    throw error
  } finally {
    await Promise.all(started.map((process) => process.stop()))
    await mongoClient.close()
  }
}

interface Answer {
  status: number
  body: unknown
  retryAfterSeconds?: number
}

interface Upload {
  index: number
  id: string
  size: number
  put: boolean
  outcome?: 'confirmed' | 'rejected'
  deleted: boolean
}

/** The state of one run: the load, the consumer, what they saw. */
class ChaosRun {
  readonly frozen = new Set<FreezeTarget>()
  readonly freezes: { target: FreezeTarget; start: number; end: number }[] = []
  readonly problems: string[] = []
  private readonly requests: RequestRecord[] = []
  private readonly uploads: Upload[] = []
  private refusedByQuota = 0
  /** 409 UPLOAD_BUSY: a transition claimed by a request that then met a frozen dependency waits to be taken over. */
  private busyAnswers = 0
  private presignGaveUp = 0
  /** What the clients hold, as they see it: admitted when the 201 arrives, given back when the delete is sent. */
  private clientBytes = 0
  private clientMaxBytes = 0
  private readonly seen: { id: string; seq: number }[] = []
  private consuming = true
  private cursor = 0
  private readonly auth: Record<string, string>
  /** The client's own limit for one request: far past every budget, so that a hang is seen as one, not waited out. */
  private readonly giveUpMs: number

  constructor(
    private readonly options: ChaosOptions,
    private readonly workspace: string,
    private readonly files: Buffer[],
    private readonly quota: number,
    private readonly apis: { a: SkewedProcess; b: SkewedProcess },
    private readonly db: Db,
  ) {
    const token = createSigner({ key: BENCH_JWT_SECRET, expiresIn: 3_600_000 })({ sub: 'chaos', workspace })
    this.auth = { authorization: `Bearer ${token}` }
    this.giveUpMs = Math.max(60_000, 4 * options.freezeSeconds * 1000)
  }

  /** The instance to use: `preferred`, unless it is frozen (a load balancer's health check would take it out). */
  private instance(preferred: 'a' | 'b'): 'a' | 'b' {
    const other = preferred === 'a' ? 'b' : 'a'
    return this.frozen.has(`API ${preferred}`) && !this.frozen.has(`API ${other}`) ? other : preferred
  }

  private async request(
    route: Route,
    preferred: 'a' | 'b',
    path: string,
    init: { method: string; body?: unknown },
  ): Promise<Answer> {
    const instance = this.instance(preferred)
    const start = performance.now()
    let status = 0
    let body: unknown
    let retryAfterSeconds: number | undefined
    try {
      const response = await fetch(`${this.apis[instance].url}${path}`, {
        method: init.method,
        headers: { ...this.auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(this.giveUpMs),
      })
      status = response.status
      const retryAfter = response.headers.get('retry-after') ?? ''
      if (/^\d+$/.test(retryAfter)) retryAfterSeconds = Number(retryAfter)
      const text = await response.text()
      body = text ? JSON.parse(text) : undefined
    } catch {
      status = 0
    }
    const errorShape =
      status < 400 || typeof (body as { error?: { code?: unknown } } | undefined)?.error?.code === 'string'
    const retryAfter = retryAfterSeconds !== undefined
    this.requests.push({ route, instance, start, end: performance.now(), status, retryAfter, errorShape })
    return { status, body, ...(retryAfter ? { retryAfterSeconds } : {}) }
  }

  /** Repeats a request that met a frozen dependency (503) or no answer, until it is answered otherwise or time is up. */
  private async untilAnswered(attempt: () => Promise<Answer>, limitMs = 120_000): Promise<Answer> {
    const deadline = performance.now() + limitMs
    for (;;) {
      const answer = await attempt()
      const busy = answer.status === 409 && errorCode(answer.body) === 'UPLOAD_BUSY'
      if (busy) this.busyAnswers++
      if ((answer.status !== 503 && answer.status !== 0 && !busy) || performance.now() > deadline) return answer
      // As a client should: after a 503, when Retry-After says (retrying at once only piles work on a server that is
      // catching up); "in a moment" after UPLOAD_BUSY.
      await sleep(answer.retryAfterSeconds !== undefined ? answer.retryAfterSeconds * 1000 : busy ? 2000 : 1000)
    }
  }

  async load(t0: number, paceMs: number): Promise<void> {
    let next = 0
    await Promise.all(
      Array.from({ length: this.options.clients }, async () => {
        for (let i = next++; i < this.files.length; i = next++) {
          const wait = t0 + i * paceMs - performance.now()
          if (wait > 0) await sleep(wait)
          await this.upload(i).catch((error: Error) => this.problems.push(`upload ${i}: ${error.message}`))
        }
      }),
    )
  }

  private async upload(index: number): Promise<void> {
    const file = this.files[index]!
    const [first, second] = index % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)
    const presign = await this.untilAnswered(
      () =>
        this.request('POST /v1/uploads', first, '/v1/uploads', {
          method: 'POST',
          body: { filename: `chaos-${index}.png`, contentType: 'image/png', size: file.length },
        }),
      60_000,
    )
    if (presign.status === 403 && errorCode(presign.body) === 'QUOTA_EXCEEDED') {
      this.refusedByQuota++
      return
    }
    if (presign.status !== 201) {
      this.presignGaveUp++
      this.problems.push(`presign of upload ${index}: ${presign.status} ${JSON.stringify(presign.body)}`)
      return
    }
    const created = presign.body as { id: string; url: string; headers: Record<string, string> }
    this.clientBytes += file.length
    this.clientMaxBytes = Math.max(this.clientMaxBytes, this.clientBytes)
    const upload: Upload = { index, id: created.id, size: file.length, put: false, deleted: false }
    this.uploads.push(upload)

    // Straight to MinIO: not Hoist's request, so no budget of its own; a frozen MinIO holds it until it thaws.
    for (let attempt = 1; attempt <= 5 && !upload.put; attempt++) {
      const put = await fetch(created.url, {
        method: 'PUT',
        headers: created.headers,
        body: new Uint8Array(file),
        signal: AbortSignal.timeout(this.giveUpMs),
      }).catch(() => undefined)
      await put?.arrayBuffer()
      // 412: an earlier attempt's body did arrive (the URL is signed with If-None-Match: *).
      if (put && (put.ok || put.status === 412)) upload.put = true
    }
    if (!upload.put) return void this.problems.push(`PUT of upload ${index} never succeeded`)

    const confirm = await this.untilAnswered(
      () =>
        this.request('POST /v1/uploads/:id/confirm', second, `/v1/uploads/${created.id}/confirm`, { method: 'POST' }),
      this.options.settleSeconds * 1000,
    )
    if (confirm.status === 200) upload.outcome = 'confirmed'
    else if (confirm.status === 422) upload.outcome = 'rejected'
    else return void this.problems.push(`confirm of upload ${index}: ${confirm.status} ${JSON.stringify(confirm.body)}`)

    if (index % this.options.deleteEvery !== 0 || upload.outcome !== 'confirmed') return
    const released = this.clientBytes
    this.clientBytes -= file.length
    const removed = await this.untilAnswered(
      () => this.request('DELETE /v1/uploads/:id', first, `/v1/uploads/${created.id}`, { method: 'DELETE' }),
      this.options.settleSeconds * 1000,
    )
    // 404 after a 503 or no answer: the first attempt deleted it.
    if (removed.status === 204 || removed.status === 404) upload.deleted = true
    else {
      this.clientBytes = released
      this.problems.push(`delete of upload ${index}: ${removed.status} ${JSON.stringify(removed.body)}`)
    }
  }

  /** Follows the feed from its cursor, page by page, through alternating instances, as an app's consumer would. */
  async consume(): Promise<void> {
    let page = 0
    while (this.consuming) {
      const { status, body } = await this.request(
        'GET /v1/events',
        page++ % 2 === 0 ? 'a' : 'b',
        `/v1/events?after=${this.cursor}&limit=100`,
        { method: 'GET' },
      )
      if (status !== 200) {
        await sleep(1000)
        continue
      }
      const { items, nextCursor } = body as { items: { event: { id: string } }[]; nextCursor: string }
      // The seq of each item is not on the wire: positions are cursor + 1, + 2, … up to nextCursor.
      const last = Number(nextCursor)
      if (last - this.cursor !== items.length)
        this.problems.push(`a feed page after ${this.cursor} held ${items.length} events but moved to ${last}`)
      items.forEach((item, i) => this.seen.push({ id: item.event.id, seq: this.cursor + i + 1 }))
      this.cursor = last
      if (items.length === 0) await sleep(300)
    }
  }

  stopConsumer(): void {
    this.consuming = false
  }

  /** Waits until the worker's backlog is empty and the consumer has read up to the feed's head. */
  async settle(): Promise<void> {
    const events = this.db.collection<StoredEvent>(EVENTS_COLLECTION)
    const deadline = performance.now() + this.options.settleSeconds * 1000
    let steady = 0
    while (performance.now() < deadline && steady < 2) {
      await sleep(300)
      const [head, waiting] = await Promise.all([
        events.findOne({ workspaceId: this.workspace }, { sort: { seq: -1 }, projection: { seq: 1 } }),
        events.countDocuments({ workspaceId: this.workspace, 'processing.state': 'pending' }),
      ]).catch(() => [undefined, 1] as const)
      steady = waiting === 0 && head?.seq === this.cursor ? steady + 1 : 0
    }
    if (steady < 2) this.problems.push(`the stack did not settle within ${this.options.settleSeconds} s`)
  }

  async verify(
    stack: Stack,
    bucket: string,
    database: string,
  ): Promise<Omit<ChaosResult, 'seconds' | 'budgets' | 'skews' | 'freezes'>> {
    // The whole feed, read from the start once everything has settled.
    const feed: string[] = []
    for (let after = 0; ;) {
      const { status, body } = await this.untilAnswered(() =>
        this.request('GET /v1/events', 'a', `/v1/events?after=${after}&limit=100`, { method: 'GET' }),
      )
      if (status !== 200) throw new Error(`reading the feed from the start: ${status}`)
      const page = body as {
        items: { event: { id: string; type: string; data: { id: string } } }[]
        nextCursor: string
      }
      feed.push(...page.items.map((item) => `${item.event.id} ${item.event.type} ${item.event.data.id}`))
      if (page.items.length === 0) break
      after = Number(page.nextCursor)
    }
    const feedIds = feed.map((line) => line.split(' ')[0]!)
    const seenIds = this.seen.map((event) => event.id)
    const seenCount = new Map<string, number>()
    for (const id of seenIds) seenCount.set(id, (seenCount.get(id) ?? 0) + 1)
    const inFeed = new Set(feedIds)
    const events = {
      inFeed: feedIds.length,
      seen: seenIds.length,
      duplicates: [...seenCount.values()].filter((count) => count > 1).length,
      missing: feedIds.slice(0, this.cursor).filter((id) => !seenCount.has(id)).length,
      // The consumer's n-th event must be the feed's n-th: one order for every reader.
      outOfOrder: seenIds.filter((id, i) => feedIds[i] !== id).length,
      unexpected: seenIds.filter((id) => !inFeed.has(id)).length,
      afterConsumerStopped: Math.max(0, feedIds.length - this.cursor),
    }
    const has = new Set(feed.map((line) => line.split(' ').slice(1).join(' ')))
    const eventsMissingForUploads = this.uploads.flatMap((upload) => [
      ...(upload.outcome === 'confirmed' && !has.has(`upload.confirmed ${upload.id}`)
        ? [`upload.confirmed ${upload.id}`]
        : []),
      ...(upload.deleted && !has.has(`upload.deleted ${upload.id}`) ? [`upload.deleted ${upload.id}`] : []),
    ])

    // Nothing lost: each upload whose PUT finished ended as the client last heard.
    const records = new Map(
      (
        await this.db
          .collection<{ _id: string; status: string; size: number }>('uploads')
          .find({ workspaceId: this.workspace }, { projection: { status: 1, size: 1 } })
          .toArray()
      ).map((record) => [record._id, record]),
    )
    const lost = this.uploads
      .filter((upload) => upload.put)
      .flatMap((upload) => {
        const status = records.get(upload.id)?.status
        const expected = upload.deleted ? 'deleted' : (upload.outcome ?? 'confirmed or rejected')
        return status === expected
          ? []
          : [`${upload.id} (upload ${upload.index}): ${status ?? 'no record'}, expected ${expected}`]
      })

    // The quota: every entry of the journal within it, each total the one before plus its change, no position skipped.
    const journal = await this.db
      .collection<{ seq: number; total: number; bytes: number }>(QUOTA_JOURNAL_COLLECTION)
      .find({ workspaceId: this.workspace }, { sort: { seq: 1 } })
      .toArray()
    const journalBroken: string[] = []
    journal.forEach((entry, i) => {
      if (entry.total > this.quota) journalBroken.push(`seq ${entry.seq}: total ${entry.total} over ${this.quota}`)
      if (entry.seq !== i + 1) journalBroken.push(`seq ${entry.seq} at position ${i + 1}`)
      const before = i === 0 ? 0 : journal[i - 1]!.total
      if (entry.total !== before + entry.bytes)
        journalBroken.push(`seq ${entry.seq}: ${before} + ${entry.bytes} ≠ ${entry.total}`)
    })
    const liveBytesAtEnd = [...records.values()]
      .filter((record) => ['pending', 'quarantined', 'confirmed'].includes(record.status))
      .reduce((sum, record) => sum + record.size, 0)

    const config = stackConfig(stack, bucket, database)
    const store = openObjectStore(config)
    let doctor: DoctorReport
    try {
      doctor = await runDoctor({
        maintenance: new MongoLedger(this.db),
        store,
        keyPrefix: `${config.s3KeyPrefix}${this.workspace}/`,
        graceMs: 0,
        fix: false,
      })
    } finally {
      store.close()
    }

    return {
      uploads: {
        busyAnswers: this.busyAnswers,
        attempted: this.files.length,
        admitted: this.uploads.length,
        refusedByQuota: this.refusedByQuota,
        presignGaveUp: this.presignGaveUp,
        put: this.uploads.filter((upload) => upload.put).length,
        confirmed: this.uploads.filter((upload) => upload.outcome === 'confirmed').length,
        deleted: this.uploads.filter((upload) => upload.deleted).length,
        lost,
      },
      routes: this.routeFigures(),
      events,
      eventsMissingForUploads,
      quota: {
        limit: this.quota,
        journalMax: Math.max(0, ...journal.map((entry) => entry.total)),
        journalEntries: journal.length,
        journalBroken,
        clientMaxAdmitted: this.clientMaxBytes,
        liveBytesAtEnd,
      },
      doctor,
      problems: this.problems,
    }
  }

  /**
   * A request that waited for a frozen dependency instead of spending its budget is still in flight at the thaw,
   * having spent more than its route's budget of the freeze. Only that counts: total time is no test of the budgets on
   * a loaded machine (a route calls MongoDB several times, each call with the whole budget, so a slow database
   * lengthens a request without any freeze), and a request that began late in a freeze may rightly outlast it.
   * The grace covers a process slow to run again right after its dependency thaws.
   */
  private waitedOutFreeze(request: RequestRecord, budgetMs: number): boolean {
    return this.freezes.some(
      (freeze) =>
        !isFrozenInstance(freeze.target) &&
        freeze.target !== 'worker' &&
        request.start < freeze.end &&
        request.end > freeze.end &&
        freeze.end - Math.max(request.start, freeze.start) > budgetMs + THAW_GRACE_MS,
    )
  }

  /** A route's documented worst case (README "Time budgets"): the limiter's Redis call, then its other dependencies. */
  private budgetMs(route: Route): number {
    const { mongoMs, s3Ms, redisMs } = this.options.budgets
    // The MongoDB driver retries a read or write once after a network error: two budgets. The direct S3 HEAD and GET
    // of confirm do not retry; the SDK (a delete's DeleteObject) makes two attempts.
    const s3 = route === 'POST /v1/uploads/:id/confirm' ? s3Ms : route === 'DELETE /v1/uploads/:id' ? 2 * s3Ms : 0
    return redisMs + 2 * mongoMs + s3
  }

  private routeFigures(): RouteFigures[] {
    const instanceFreezes = this.freezes.filter((freeze) => isFrozenInstance(freeze.target))
    const heldByFrozen = (request: RequestRecord): boolean =>
      instanceFreezes.some(
        (freeze) =>
          freeze.target === `API ${request.instance}` && request.start < freeze.end && request.end > freeze.start,
      )
    return ROUTES.map((route) => {
      const all = this.requests.filter((request) => request.route === route)
      const counted = all.filter((request) => !heldByFrozen(request))
      const budgetMs = this.budgetMs(route)
      const ms = counted.map((request) => request.end - request.start).sort((x, y) => x - y)
      return {
        route,
        requests: all.length,
        budgetMs,
        maxMs: Math.round(ms.at(-1) ?? 0),
        p99Ms: Math.round(percentile(ms, 99)),
        waitedOutFreeze: counted.filter((request) => this.waitedOutFreeze(request, budgetMs)).length,
        unavailable: counted.filter((request) => request.status === 503).length,
        malformed: counted.filter((request) => !request.errorShape || (request.status === 503 && !request.retryAfter))
          .length,
        noAnswer: counted.filter((request) => request.status === 0).length,
        heldByFrozenInstance: all.length - counted.length,
        slowest: [...counted]
          .sort((x, y) => y.end - y.start - (x.end - x.start))
          .slice(0, 3)
          .map((request) => {
            const during = this.freezes.filter((f) => request.start < f.end && request.end > f.start)
            return `${Math.round(request.end - request.start)} ms ${request.status} on ${request.instance}${during.length ? ` (${during.map((f) => f.target).join(', ')} frozen)` : ''}`
          }),
      }
    })
  }
}

/** What went wrong, one line each; empty when the run kept every promise. */
export function chaosFailures(result: ChaosResult): string[] {
  const failures = [...result.problems]
  if (result.uploads.lost.length > 0) failures.push(`lost: ${result.uploads.lost.slice(0, 5).join('; ')}`)
  if (!result.doctor.clean) failures.push(`doctor not clean: ${JSON.stringify(result.doctor).slice(0, 600)}`)
  const { quota, events } = result
  if (quota.journalMax > quota.limit || quota.clientMaxAdmitted > quota.limit || quota.liveBytesAtEnd > quota.limit)
    failures.push(`quota exceeded: ${JSON.stringify(quota)}`)
  if (quota.journalBroken.length > 0) failures.push(`quota journal: ${quota.journalBroken.slice(0, 5).join('; ')}`)
  for (const route of result.routes) {
    if (route.waitedOutFreeze + route.noAnswer + route.malformed > 0)
      failures.push(
        `${route.route}: ${route.waitedOutFreeze} waited out a freeze past its ${route.budgetMs} ms budget (max ${route.maxMs} ms), ${route.noAnswer} unanswered, ${route.malformed} malformed`,
      )
  }
  if (events.duplicates + events.missing + events.outOfOrder + events.unexpected > 0)
    failures.push(`feed: ${JSON.stringify(events)}`)
  if (result.eventsMissingForUploads.length > 0)
    failures.push(`events never written: ${result.eventsMissingForUploads.slice(0, 5).join('; ')}`)
  return failures
}

/** The section `npm run bench -- chaos` appends to bench/RESULTS.md. */
export function formatChaos(result: ChaosResult): string[] {
  const { uploads, events, quota, doctor } = result
  const failures = chaosFailures(result)
  return [
    `### Chaos: ${uploads.attempted} uploads through two API instances and a worker with skewed clocks, each server frozen in turn, ${result.seconds} s`,
    '',
    `Clocks (measured from each process's HTTP \`Date\`): API a ${result.skews.a} s, API b ${result.skews.b} s, worker ${result.skews.worker} s from the real one (libfaketime). Frozen with SIGSTOP, one after another with load going on: ${result.freezes.map((f) => `${f.target} ${f.seconds} s`).join(', ')}.`,
    '',
    `Uploads: ${uploads.admitted} admitted, ${uploads.refusedByQuota} refused by the quota, ${uploads.presignGaveUp} presigns given up; ${uploads.put} PUT, ${uploads.confirmed} confirmed, ${uploads.deleted} deleted; lost: ${uploads.lost.length}. Confirms and deletes answered 409 \`UPLOAD_BUSY\` (a transition claimed by a request that then met a frozen database, waiting to be taken over) ${uploads.busyAnswers} times.`,
    '',
    '| route | requests | budget ms | max ms | p99 ms | waited out a freeze | 503 | malformed | unanswered | held by a frozen instance |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.routes.map(
      (r) =>
        `| \`${r.route}\` | ${r.requests} | ${r.budgetMs} | ${r.maxMs} | ${r.p99Ms} | ${r.waitedOutFreeze} | ${r.unavailable} | ${r.malformed} | ${r.noAnswer} | ${r.heldByFrozenInstance} |`,
    ),
    '',
    `A route's budget is REDIS_TIMEOUT_MS plus each dependency it calls at its budget (MongoDB twice: the driver retries once; S3 once for confirm's direct calls, twice for the SDK's delete); a request waited out a freeze when it was still in flight at the thaw after more than its budget (plus ${THAW_GRACE_MS} ms) of the freeze, with MONGO_TIMEOUT_MS ${result.budgets.mongoMs}, S3_TIMEOUT_MS ${result.budgets.s3Ms} and REDIS_TIMEOUT_MS ${result.budgets.redisMs} for this run. Slowest: ${result.routes.map((r) => `${r.route}: ${r.slowest.join('; ')}`).join(' — ')}.`,
    '',
    `Feed: ${events.inFeed} events; the consumer (following \`GET /v1/events\` from its cursor, through both instances in turn) saw ${events.seen}: ${events.duplicates} duplicates, ${events.missing} missing, ${events.outOfOrder} out of order, ${events.unexpected} not in the feed${events.afterConsumerStopped ? `, ${events.afterConsumerStopped} written after it stopped` : ''}; events the uploads must have caused and the feed lacks: ${result.eventsMissingForUploads.length}.`,
    '',
    `Quota: limit ${quota.limit} bytes; the journal's highest total ${quota.journalMax} (${quota.journalEntries} entries, ${quota.journalBroken.length} inconsistent); the most the clients held at once ${quota.clientMaxAdmitted}; live at the end ${quota.liveBytesAtEnd}.`,
    '',
    `Doctor: ${doctor.clean ? 'clean' : 'NOT clean'} (${doctor.checked.confirmedRecords} confirmed and ${doctor.checked.pendingRecords} pending records, ${doctor.checked.objects} objects). ${failures.length === 0 ? 'Every promise kept.' : `Broken: ${failures.join('; ')}`}`,
    '',
  ]
}
