/**
 * The outbox's backlog as `hoist doctor` prints it: the same figures as /metrics' `hoist_outbox_pending` and
 * `hoist_outbox_oldest_pending_age_seconds`, read the same way (OutboxWork.backlog).
 */
import type { Backlog } from '../events/outbox-work.js'

interface BacklogReport {
  webhooks: { pending: number; oldestPendingAt?: string; oldestAgeSeconds?: number }
  images: { pending: number; oldestPendingAt?: string; oldestAgeSeconds?: number }
}

export function backlogReport(backlog: { webhooks: Backlog; images: Backlog }, now: Date): BacklogReport {
  const one = (work: Backlog): BacklogReport['webhooks'] => ({
    pending: work.pending,
    ...(work.oldestPendingAt
      ? {
          oldestPendingAt: work.oldestPendingAt.toISOString(),
          oldestAgeSeconds: Math.max(0, Math.round((now.getTime() - work.oldestPendingAt.getTime()) / 1000)),
        }
      : {}),
  })
  return { webhooks: one(backlog.webhooks), images: one(backlog.images) }
}

function age(seconds: number): string {
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

export function formatBacklog(report: BacklogReport): string {
  const line = (name: string, work: BacklogReport['webhooks']): string =>
    `${name}: ${work.pending} pending${work.oldestAgeSeconds !== undefined ? `, the oldest for ${age(work.oldestAgeSeconds)} (since ${work.oldestPendingAt})` : ''}`
  return [
    'outbox backlog (also hoist_outbox_pending and hoist_outbox_oldest_pending_age_seconds on /metrics):',
    `  ${line('webhook deliveries', report.webhooks)}`,
    `  ${line('image processing', report.images)}`,
  ].join('\n')
}
