/**
 * Webhook delivery from the outbox: at least once, each attempt claimed by exactly one deliverer however many API
 * instances or `hoist events deliver` workers run (outbox-worker.ts), retried on the schedule (retry-schedule.ts), then
 * marked failed and visible (GET /v1/events?status=failed, `hoist events list --status failed`). It never runs inside
 * a request: the request path only writes the event.
 */
import { observed, type DependencyObserver } from '../metrics/observers.js'
import { guardedRequest, RequestTimedOut } from '../net/guarded-request.js'
import { uploadTracing } from '../telemetry/upload-tracing.js'
import type { OutboxWork } from './outbox-work.js'
import { OutboxWorker, type AttemptOutcome, type OutboxWorkerOptions } from './outbox-worker.js'
import { toWireEvent, type StoredEvent } from './stored-event.js'
import { signWebhook } from './webhook-signature.js'

export interface DelivererOptions extends Pick<
  OutboxWorkerOptions,
  'clock' | 'concurrency' | 'batchSize' | 'pollMs' | 'onAttempt'
> {
  work: OutboxWork
  url: string
  secret: string
  /** Development only: an http or loopback receiver. */
  allowLoopback: boolean
  timeoutMs: number
  retryDelaysSeconds: readonly number[]
  /** Told how long each delivery took and whether the receiver spent WEBHOOK_TIMEOUT_SECONDS. */
  observer?: DependencyObserver
}

/** Receivers may keep a deliverer waiting this long (their timeout) plus clock skew between instances. */
const LEASE_MARGIN_MS = 10_000

export function webhookDeliverer(options: DelivererOptions): OutboxWorker {
  return new OutboxWorker({
    ...options,
    leaseMs: options.timeoutMs + LEASE_MARGIN_MS,
    attempt: (event, now) =>
      uploadTracing().continueUpload(
        'hoist.webhook.deliver',
        event.uploadId,
        event,
        () => send(options, event, now),
        // The outcome, never the receiver's URL (WEBHOOK_URL may carry a token) nor its error text.
        (outcome) => ({
          'hoist.event_type': event.type,
          'hoist.outcome': outcome.state,
          ...(outcome.lastStatus !== undefined ? { 'http.response.status_code': outcome.lastStatus } : {}),
        }),
      ),
  })
}

async function send(options: DelivererOptions, event: StoredEvent, now: Date): Promise<AttemptOutcome> {
  const body = JSON.stringify(toWireEvent(event))
  const signature = signWebhook(options.secret, event.eventId, Math.floor(now.getTime() / 1000), body)
  let status: number
  try {
    const isTimeout = (error: unknown): boolean => error instanceof RequestTimedOut
    status = (
      await observed(options.observer, 'webhook', 'deliver', isTimeout, () =>
        guardedRequest(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Hoist-Webhooks/1', ...signature },
          body,
          timeoutMs: options.timeoutMs,
          allowLoopback: options.allowLoopback,
          maxBodyBytes: 1024,
        }),
      )
    ).status
  } catch (error) {
    return { state: 'retry', lastError: (error as Error).message }
  }
  if (status >= 200 && status < 300) return { state: 'delivered', lastStatus: status }
  // 410 Gone: the receiver asks not to be sent more (Standard Webhooks). Redirects are failures, never followed.
  return {
    state: status === 410 ? 'failed' : 'retry',
    lastStatus: status,
    lastError: `the receiver answered ${status}`,
  }
}
