import { formatDoctorReport, PRIVATE_PROBE_LIMIT, runDoctor } from '../../doctor/doctor.js'
import { defineCommand, UsageError } from '../command.js'

export default defineCommand({
  usage: 'doctor [--fix] [--grace-hours N] [--json] [--whole-bucket]',
  help: `Reconciles the bucket with the records: confirmed records whose object is missing or differs, objects and
multipart uploads with no live record, transitions left half-done, private objects (under S3_KEY_PREFIX.private/)
that an unsigned GET can read (up to ${PRIVATE_PROBE_LIMIT} of them). Exits 1 while something is wrong. Also prints the
outbox backlog: webhook deliveries and image processing pending, and how long the oldest has waited.

  --fix             repair what is safe: delete orphan objects, abort orphan multipart uploads, finish stuck
                    transitions (under S3_KEY_PREFIX only)
  --grace-hours N   leave objects younger than this alone: an upload may be under way (default 24)
  --json            the full report as JSON
  --whole-bucket    allow --fix on the whole bucket when S3_KEY_PREFIX is empty`,
  options: {
    fix: { type: 'boolean', default: false },
    'grace-hours': { type: 'string', default: '24' },
    json: { type: 'boolean', default: false },
    'whole-bucket': { type: 'boolean', default: false },
  },
  async run({ values }, loadConfig) {
    const graceHours = Number(values['grace-hours'])
    if (!Number.isFinite(graceHours) || graceHours < 0)
      throw new UsageError('--grace-hours is a number of hours, 0 or more')
    const { backlogReport, formatBacklog } = await import('../../doctor/backlog.js')
    const { anonymousReadProbe } = await import('../../doctor/anonymous-read.js')
    const { MongoEventLog } = await import('../../events/mongo-event-log.js')
    const { withDeployment } = await import('../deployment.js')
    const config = await loadConfig()
    return withDeployment(config, async ({ ledger, store, db }) => {
      const report = await runDoctor({
        maintenance: ledger,
        store,
        keyPrefix: config.s3KeyPrefix,
        graceMs: graceHours * 3_600_000,
        fix: values.fix,
        wholeBucket: values['whole-bucket'],
        anonymousRead: anonymousReadProbe(config),
      })
      const backlog = backlogReport(await new MongoEventLog(db).backlog(config.mongoTimeoutMs), new Date())
      console.log(
        values.json
          ? JSON.stringify({ ...report, backlog }, null, 2)
          : `${formatDoctorReport(report, values.fix)}\n${formatBacklog(backlog)}`,
      )
      return report.clean ? 0 : 1
    })
  },
})
