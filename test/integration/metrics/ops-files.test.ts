/**
 * The alert rules (ops/prometheus/alerts.yml) and the Grafana dashboard (ops/grafana/hoist.json) name only metrics a
 * real Hoist API exports — read from a scrape, not from a list kept beside them — and only routes it has.
 */
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { startHoist } from '../../helpers/hoist.js'
import { exportedSeriesNames } from '../../helpers/prometheus.js'

const { app } = await startHoist(t)
const scraped = (await app.inject({ method: 'GET', url: '/metrics' })).body
const exported = exportedSeriesNames(scraped)

/** Every metric an expression names: Hoist's own and the process metrics. */
const metricsIn = (expr: string): string[] =>
  [...expr.matchAll(/\b(?:hoist|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0])

function checkExpression(t: Test, where: string, expr: string): void {
  const named = metricsIn(expr)
  t.ok(named.length > 0, `${where} names a metric`)
  for (const name of named) t.ok(exported.has(name), `${where}: ${name} is exported`)
  for (const [, route] of expr.matchAll(/route="([^"]+)"/g)) {
    const exists = ['GET', 'POST', 'DELETE'].some((method) => app.hasRoute({ url: route!, method }))
    t.ok(exists, `${where}: the API has the route ${route}`)
  }
}

t.test('the scrape declares every family Hoist defines, with or without samples yet', async (t) => {
  for (const family of [
    'hoist_http_request_duration_seconds_bucket',
    'hoist_uploads_total',
    'hoist_webhook_deliveries_total',
    'hoist_image_jobs_total',
    'hoist_outbox_pending',
    'hoist_outbox_oldest_pending_age_seconds',
    'hoist_dependency_duration_seconds_count',
    'hoist_dependency_timeouts_total',
    'hoist_quota_refusals_total',
    'hoist_rate_limited_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_gc_duration_seconds_count',
  ])
    t.ok(exported.has(family), family)
})

interface Rule {
  alert: string
  expr: string
  for?: string
  labels?: { severity?: string }
  annotations?: { summary?: string; description?: string }
}

t.test('five alert rules, each on exported metrics, each with a severity and a summary', async (t) => {
  const file = parse(readFileSync('ops/prometheus/alerts.yml', 'utf8')) as { groups: { rules: Rule[] }[] }
  const rules = file.groups.flatMap((group) => group.rules)
  t.same(
    rules.map((rule) => rule.alert),
    [
      'HoistWebhookBacklogOld',
      'HoistConfirmErrorRate',
      'HoistDependencyTimeouts',
      'HoistImageFailures',
      'HoistQuotaPressure',
    ],
  )
  for (const rule of rules) {
    checkExpression(t, rule.alert, rule.expr)
    t.match(rule.for, /^\d+[smh]$/, `${rule.alert} waits before firing`)
    t.match(rule.labels?.severity, /^(warning|critical)$/)
    t.ok(rule.annotations?.summary, `${rule.alert} says what is wrong`)
  }
})

interface Panel {
  title: string
  targets: { expr: string }[]
}

t.test('the Grafana dashboard’s panels query exported metrics only', async (t) => {
  const dashboard = JSON.parse(readFileSync('ops/grafana/hoist.json', 'utf8')) as { uid: string; panels: Panel[] }
  t.equal(dashboard.uid, 'hoist')
  t.ok(dashboard.panels.length >= 10)
  for (const panel of dashboard.panels)
    for (const target of panel.targets) checkExpression(t, `panel "${panel.title}"`, target.expr)
})
