/**
 * Webhook delivery from the outbox: at least once, each attempt claimed by exactly one deliverer however many API
 * instances or `hoist events deliver` workers run, retried on the schedule (retry-schedule.ts), then marked failed and
 * visible (GET /v1/events?status=failed, `hoist events list --status failed`). A deliverer that dies mid-attempt
 * loses nothing: once the attempt's lease has run out, the next one records it as lost and tries again.
 * It never runs inside a request: the request path only writes the event.
 */
import { mapConcurrent } from '../concurrency.js'
import { guardedRequest } from '../net/guarded-request.js'
import type { MongoEventLog } from './mongo-event-log.js'
import { nextRetryDelayMs } from './retry-schedule.js'
import { toWireEvent, type StoredDelivery, type StoredEvent } from './stored-event.js'
import { signWebhook } from './webhook-signature.js'

export interface DelivererOptions {
  log: MongoEventLog
  url: string
  secret: string
  /** Development only: an http or loopback receiver. */
  allowLoopback: boolean
  timeoutMs: number
  retryDelaysSeconds: readonly number[]
  clock: () => Date
  /** Attempts in flight at once (default 4) and events looked at per pass (default 20). */
  concurrency?: number
  batchSize?: number
  /** How often it looks for due events when nothing wakes it (default 1 s). */
  pollMs?: number
  onAttempt?: (event: StoredEvent, delivery: StoredDelivery) => void
}

type AttemptResult = { status: number } | { error: string }

export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private again = false
  private stopped = false
  /** Longest an attempt can take (the receiver's timeout, plus margin); past it, an unfinished attempt was lost. */
  private readonly leaseMs: number

  constructor(private readonly options: DelivererOptions) {
    this.leaseMs = options.timeoutMs + 10_000
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 1_000)
    this.timer.unref()
    this.wake()
  }

  /** Looks for due events soon (an event was just written); passes never overlap. */
  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.runOnce()
      .catch(() => undefined) // MongoDB away: the next pass tries again
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.wake()
        }
      })
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
  }

  /** One pass: every due event gets an attempt. Returns how many attempts were made. */
  async runOnce(): Promise<number> {
    const due = await this.options.log.due(this.options.clock(), this.options.batchSize ?? 20)
    const made = await mapConcurrent(due, this.options.concurrency ?? 4, (event) => this.attempt(event))
    return made.filter(Boolean).length
  }

  private async attempt(event: StoredEvent): Promise<boolean> {
    const { log, clock } = this.options
    const attempt = event.delivery.attempts + 1
    const now = clock()
    if (!(await log.claimAttempt(event, attempt, now, new Date(now.getTime() + this.leaseMs)))) {
      // Another deliverer holds this attempt. If its lease ran out long ago, it died mid-attempt: record the loss.
      const claimedAt = await log.attemptClaimedAt(event.eventId, attempt)
      if (claimedAt && now.getTime() - claimedAt.getTime() > this.leaseMs) {
        await log.finishAttempt(
          event,
          this.outcome(event, attempt, { error: 'the attempt was lost: its deliverer stopped' }),
        )
      }
      return false
    }
    const delivery = this.outcome(event, attempt, await this.send(event, now))
    await log.finishAttempt(event, delivery)
    this.options.onAttempt?.(event, delivery)
    return true
  }

  private async send(event: StoredEvent, now: Date): Promise<AttemptResult> {
    const body = JSON.stringify(toWireEvent(event))
    const signature = signWebhook(this.options.secret, event.eventId, Math.floor(now.getTime() / 1000), body)
    try {
      const response = await guardedRequest(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Hoist-Webhooks/1', ...signature },
        body,
        timeoutMs: this.options.timeoutMs,
        allowLoopback: this.options.allowLoopback,
        maxBodyBytes: 1024,
      })
      return { status: response.status }
    } catch (error) {
      return { error: (error as Error).message }
    }
  }

  private outcome(event: StoredEvent, attempt: number, result: AttemptResult): StoredDelivery {
    const now = this.options.clock()
    const base = {
      attempts: attempt,
      ...(event.delivery.scheduleStart ? { scheduleStart: event.delivery.scheduleStart } : {}),
    }
    if ('status' in result && result.status >= 200 && result.status < 300) {
      return { ...base, state: 'delivered', lastStatus: result.status, deliveredAt: now }
    }
    const why =
      'status' in result
        ? { lastStatus: result.status, lastError: `the receiver answered ${result.status}` }
        : { lastError: result.error }
    // 410 Gone: the receiver asks not to be sent more (Standard Webhooks).
    if ('status' in result && result.status === 410) return { ...base, ...why, state: 'failed' }
    const delay = nextRetryDelayMs(attempt - (event.delivery.scheduleStart ?? 0), this.options.retryDelaysSeconds)
    if (delay === undefined) return { ...base, ...why, state: 'failed' }
    return { ...base, ...why, state: 'pending', nextAttemptAt: new Date(now.getTime() + delay) }
  }
}
