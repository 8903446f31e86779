import { parseArgs } from 'node:util'
import type { Config } from '../../config.js'
import { formatDoctorReport, runDoctor } from '../../doctor/doctor.js'
import { withDeployment } from '../deployment.js'

export async function runDoctorCommand(args: string[], loadConfig: () => Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      fix: { type: 'boolean', default: false },
      'grace-hours': { type: 'string', default: '24' },
      json: { type: 'boolean', default: false },
      'whole-bucket': { type: 'boolean', default: false },
    },
  })
  const graceHours = Number(values['grace-hours'])
  if (!Number.isFinite(graceHours) || graceHours < 0) {
    console.error('--grace-hours is a number of hours, 0 or more')
    return 2
  }
  const config = loadConfig()
  return withDeployment(config, async ({ ledger, store }) => {
    const report = await runDoctor({
      maintenance: ledger,
      store,
      keyPrefix: config.s3KeyPrefix,
      graceMs: graceHours * 3_600_000,
      fix: values.fix,
      wholeBucket: values['whole-bucket'],
    })
    console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report, values.fix))
    return report.clean ? 0 : 1
  })
}
