/**
 * Every metric Hoist exports, defined once (docs/OPERATIONS.md says what each means). One HoistMetrics per app or
 * worker, with its own registry — never prom-client's global one: tests build many apps in one process, and each
 * must count alone. Label values come from fixed sets only (observers.ts): route templates, never raw URLs, and no
 * workspace or upload ids.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Backlog } from '../events/outbox-work.js'
import type { WorkState } from '../events/stored-event.js'
import type { CountTransition, Dependency, DependencyObserver } from './observers.js'
import { processMetrics } from './process-metrics.js'

/** Seconds: from a cached read (~1 ms) to a budget spent (MONGO_TIMEOUT_MS 5 s, S3_TIMEOUT_MS 10 s, with a retry). */
const DEPENDENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The kinds of outbox work, as the metrics name them. */
type OutboxWorkName = 'webhooks' | 'images'

/** Reads the backlog of each kind of outbox work (outbox-work.ts `backlog`). */
type BacklogReader = (timeoutMs: number) => Promise<Record<OutboxWorkName, Backlog>>

/** How one attempt at outbox work ended: done, given up for good, or scheduled again. */
type AttemptOutcome = 'delivered' | 'processed' | 'failed' | 'retry'

/** The outcome label of a recorded attempt (outbox-worker.ts records a retry as `pending` with a next attempt). */
function attemptOutcome(state: WorkState): AttemptOutcome {
  return state === 'delivered' || state === 'processed' || state === 'failed' ? state : 'retry'
}

export class HoistMetrics {
  readonly registry = new Registry()

  readonly httpDuration = new Histogram({
    name: 'hoist_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route template (unmatched: a fixed label), method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  })

  readonly uploads = new Counter({
    name: 'hoist_uploads_total',
    help: 'Uploads that changed state: confirmed, rejected, expired, deleted or processed, by who made the change.',
    labelNames: ['transition', 'by'] as const,
    registers: [this.registry],
  })

  readonly webhookDeliveries = new Counter({
    name: 'hoist_webhook_deliveries_total',
    help: 'Webhook delivery attempts made by this process, by outcome: delivered, retry (scheduled again) or failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })

  readonly imageJobs = new Counter({
    name: 'hoist_image_jobs_total',
    help: 'Image processing attempts made by this process, by outcome: processed, retry or failed (a processingError).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })

  readonly outboxPending = new Gauge({
    name: 'hoist_outbox_pending',
    help: 'Events waiting for work (webhooks: delivery, images: variants), read from MongoDB at scrape time.',
    labelNames: ['work'] as const,
    registers: [this.registry],
    collect: () => this.collectBacklog(),
  })

  readonly outboxOldestAge = new Gauge({
    name: 'hoist_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest event still waiting for work (0: none waits), read from MongoDB at scrape time.',
    labelNames: ['work'] as const,
    registers: [this.registry],
    collect: () => this.collectBacklog(),
  })

  readonly outboxScrapeErrors = new Counter({
    name: 'hoist_outbox_scrape_errors_total',
    help: 'Scrapes whose backlog query failed or spent MONGO_TIMEOUT_MS (the outbox gauges are then left out).',
    registers: [this.registry],
    // Read after this scrape's backlog read, so a failure shows in the scrape it happened in.
    collect: () => this.collectBacklog(),
  })

  readonly dependencyDuration = new Histogram({
    name: 'hoist_dependency_duration_seconds',
    help: 'Time of one call to a dependency (mongodb, s3, redis, webhook), by a fixed operation name.',
    labelNames: ['dependency', 'operation'] as const,
    buckets: DEPENDENCY_BUCKETS,
    registers: [this.registry],
  })

  readonly dependencyTimeouts = new Counter({
    name: 'hoist_dependency_timeouts_total',
    help: 'Calls that ended because the dependency spent its time budget (MONGO_TIMEOUT_MS, S3_TIMEOUT_MS…).',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  })

  readonly quotaRefusals = new Counter({
    name: 'hoist_quota_refusals_total',
    help: 'Presigns refused because the workspace quota (WORKSPACE_QUOTA_BYTES) would be exceeded.',
    registers: [this.registry],
  })

  readonly rateLimited = new Counter({
    name: 'hoist_rate_limited_total',
    help: 'Requests refused with 429 RATE_LIMITED, by route template.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  })

  /** For the storage adapters, the rate limiter's Redis client and the webhook deliverer. */
  readonly dependencies: DependencyObserver = {
    observe: (dependency: Dependency, operation: string, seconds: number, timedOut: boolean) => {
      this.dependencyDuration.observe({ dependency, operation }, seconds)
      if (timedOut) this.dependencyTimeouts.inc({ dependency })
    },
  }

  /** For the upload services, the sweeper and the image worker. */
  readonly countTransition: CountTransition = (transition, by) => this.uploads.inc({ transition, by })

  /** The outbox workers' `onAttempt`: each recorded attempt, by outcome. */
  readonly countDelivery = (_event: unknown, work: { state: WorkState }): void =>
    this.webhookDeliveries.inc({ outcome: attemptOutcome(work.state) })

  readonly countImageJob = (_event: unknown, work: { state: WorkState }): void =>
    this.imageJobs.inc({ outcome: attemptOutcome(work.state) })

  constructor() {
    // Series that exist from the start read 0 rather than missing, so rate() and alerts work before the first event.
    for (const dependency of ['mongodb', 's3', 'redis', 'webhook'] as const)
      this.dependencyTimeouts.inc({ dependency }, 0)
    this.quotaRefusals.inc(0)
  }

  private backlog: { read: BacklogReader; timeoutMs: number } | undefined
  /** The read in flight: every metric of one scrape collects in the same tick, so one read serves them all. */
  private reading: Promise<void> | undefined

  /**
   * From now on the outbox gauges are read by `read` at each scrape, given at most `timeoutMs` (MONGO_TIMEOUT_MS): a
   * read that fails or takes longer leaves the gauges out of that scrape and counts an error; the scrape still answers.
   */
  readBacklogFrom(read: BacklogReader, timeoutMs: number): void {
    this.backlog = { read, timeoutMs }
  }

  private collectBacklog(): Promise<void> {
    if (!this.backlog) return Promise.resolve()
    if (this.reading) return this.reading
    const { read, timeoutMs } = this.backlog
    this.reading = withinTime(read(timeoutMs), timeoutMs).then(
      (backlogs) => {
        for (const [work, backlog] of Object.entries(backlogs)) {
          this.outboxPending.set({ work }, backlog.pending)
          const oldest = backlog.oldestPendingAt?.getTime()
          this.outboxOldestAge.set({ work }, oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000))
        }
      },
      () => {
        this.outboxPending.reset()
        this.outboxOldestAge.reset()
        this.outboxScrapeErrors.inc()
      },
    )
    const reading = this.reading
    void reading.finally(() => {
      if (this.reading === reading) this.reading = undefined
    })
    return reading
  }

  /** The Prometheus text format: this app's metrics, then the process's. */
  async text(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()])
    return `${own.trimEnd()}\n${process.trimEnd()}\n`
  }

  readonly contentType = this.registry.contentType
}

/** `promise`, or a rejection once `ms` have passed. */
function withinTime<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}
