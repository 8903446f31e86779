import { parseArgs } from 'node:util'
import type { Config } from '../../config.js'
import { formatReports, runBucketSetup } from '../bucket.js'

export async function runBucketSetupCommand(args: string[], config: () => Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      access: { type: 'string', default: 'public-read' },
      'abort-multipart-days': { type: 'string', default: '2' },
      'whole-bucket': { type: 'boolean', default: false },
    },
  })
  if (values.access !== 'public-read' && values.access !== 'private') {
    console.error('--access is public-read or private')
    return 2
  }
  const days = Number(values['abort-multipart-days'])
  if (!Number.isInteger(days) || days < 1) {
    console.error('--abort-multipart-days is a whole number of days, at least 1')
    return 2
  }
  const resolved = config()
  const reports = await runBucketSetup(resolved, {
    access: values.access,
    abortIncompleteMultipartAfterDays: days,
    wholeBucket: values['whole-bucket'],
  })
  console.log(formatReports(resolved.s3Bucket, reports))
  return 0
}
