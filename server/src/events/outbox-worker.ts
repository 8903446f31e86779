/**
 * The loop behind webhook delivery and image processing: look for due events, claim an attempt of each (exactly one
 * process wins it), run it, record the outcome — done, failed for good, or tried again later on the retry schedule.
 * Passes never overlap; `wake()` starts one soon (an event was just written), a timer starts one every `pollMs`.
 */
import { mapConcurrent } from '../concurrency.js'
import { uploadTracing } from '../telemetry/upload-tracing.js'
import type { OutboxWork } from './outbox-work.js'
import { nextRetryDelayMs } from './retry-schedule.js'
import type { StoredEvent, StoredWork, WorkState } from './stored-event.js'

/** How an attempt ended: `done` and `failed` are final; `retry` goes back in the queue while the schedule allows. */
export type AttemptOutcome =
  | { state: Exclude<WorkState, 'pending' | 'not-configured' | 'failed'>; lastStatus?: number }
  | { state: 'failed' | 'retry'; lastError: string; lastStatus?: number }

export interface OutboxWorkerOptions {
  work: OutboxWork
  /** One attempt at one event. Never throws: failures are outcomes. `final`: the schedule allows no retry after it. */
  attempt: (event: StoredEvent, now: Date, final: boolean) => Promise<AttemptOutcome>
  retryDelaysSeconds: readonly number[]
  /** The last delay repeats for ever instead of failing the event (work that must never be given up: a scan). */
  retryForever?: boolean
  /**
   * How long a claimed attempt stays leased without renewal; its holder renews it every third of that while the
   * attempt runs, so only an attempt whose process stopped (or stalled that long) is taken over as lost.
   */
  leaseMs: number
  clock: () => Date
  /** Attempts in flight at once (default 4) and events looked at per pass (default 20). */
  concurrency?: number
  batchSize?: number
  /** How often it looks for due events when nothing wakes it (default 1 s). */
  pollMs?: number
  onAttempt?: (event: StoredEvent, state: StoredWork) => void
}

export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  private again = false
  private stopped = false

  constructor(private readonly options: OutboxWorkerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 1_000)
    this.timer.unref()
    this.wake()
  }

  wake(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    // Woken by a request (an event was just written), the pass is still no part of that request's trace.
    this.running = uploadTracing()
      .outsideTraces(() => this.runOnce())
      .catch(() => undefined) // MongoDB away: the next pass tries again
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          this.wake()
        }
      })
  }

  /** Stops looking for work and waits for the attempts in flight to finish and be recorded. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
  }

  /** One pass: every due event gets an attempt. Returns how many attempts this process made. */
  async runOnce(): Promise<number> {
    const due = await this.options.work.due(this.options.clock(), this.options.batchSize ?? 20)
    const made = await mapConcurrent(due, this.options.concurrency ?? 4, (event) => this.attemptOne(event))
    return made.filter(Boolean).length
  }

  private async attemptOne(event: StoredEvent): Promise<boolean> {
    const { work, clock, leaseMs } = this.options
    const current = work.stateOf(event)
    if (!current) return false
    const attempt = current.attempts + 1
    const now = clock()
    if (!(await work.claim(event, attempt, now, new Date(now.getTime() + leaseMs)))) {
      // Another process holds this attempt. If it stopped renewing the lease, it died mid-attempt: record the loss.
      const heldUntil = await work.heldUntil(event.eventId, attempt, leaseMs)
      if (heldUntil && now.getTime() > heldUntil.getTime()) {
        await work.finish(
          event,
          this.record(current, attempt, { state: 'retry', lastError: 'the attempt was lost: its process stopped' }),
        )
      }
      return false
    }
    const final = this.retryDelayMs(attempt - (current.scheduleStart ?? 0)) === undefined
    const heartbeat = this.heartbeat(event, attempt)
    let outcome: AttemptOutcome
    try {
      outcome = await this.options.attempt(event, now, final)
    } finally {
      await heartbeat.stop()
    }
    const state = this.record(current, attempt, outcome)
    await work.finish(event, state)
    this.options.onAttempt?.(event, state)
    return true
  }

  /** Renews the attempt's lease every third of it until stopped; stop() waits for a renewal in flight. */
  private heartbeat(event: StoredEvent, attempt: number): { stop: () => Promise<void> } {
    const { work, clock, leaseMs } = this.options
    let renewing = Promise.resolve()
    const timer = setInterval(
      () => {
        // A renewal that fails (MongoDB away) is tried again at the next beat; the lease leaves time for two.
        renewing = renewing
          .then(() => work.renew(event, attempt, new Date(clock().getTime() + leaseMs)))
          .catch(() => undefined)
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    )
    timer.unref()
    return {
      stop: async () => {
        clearInterval(timer)
        await renewing
      },
    }
  }

  private retryDelayMs(failedAttempts: number): number | undefined {
    const delays = this.options.retryDelaysSeconds
    return nextRetryDelayMs(
      this.options.retryForever ? Math.min(failedAttempts, delays.length) : failedAttempts,
      delays,
    )
  }

  private record(current: StoredWork, attempt: number, outcome: AttemptOutcome): StoredWork {
    const now = this.options.clock()
    const base = { attempts: attempt, ...(current.scheduleStart ? { scheduleStart: current.scheduleStart } : {}) }
    const detail = {
      ...(outcome.lastStatus !== undefined ? { lastStatus: outcome.lastStatus } : {}),
      ...('lastError' in outcome ? { lastError: outcome.lastError } : {}),
    }
    if (outcome.state !== 'retry' && outcome.state !== 'failed')
      return { ...base, ...detail, state: outcome.state, deliveredAt: now }
    const delay = outcome.state === 'retry' ? this.retryDelayMs(attempt - (current.scheduleStart ?? 0)) : undefined
    if (delay === undefined) return { ...base, ...detail, state: 'failed' }
    return { ...base, ...detail, state: 'pending', nextAttemptAt: new Date(now.getTime() + delay) }
  }
}
