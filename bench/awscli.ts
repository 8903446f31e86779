/**
 * `aws`, the tool the benchmarks hold Hoist's CLI and web client against: awscli from PyPI (requirements-awscli.txt)
 * in a venv made once per machine and cached, pointed at the stack's MinIO with the stack's keys.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Stack } from '../infra/stack/index.js'
import { ensurePythonVenv } from '../infra/system/python.js'

const requirements = fileURLToPath(new URL('requirements-awscli.txt', import.meta.url))

export interface AwsCli {
  /** The `aws` executable. */
  path: string
  env: NodeJS.ProcessEnv
}

/**
 * `configFile` is awscli's AWS_CONFIG_FILE: its transfer settings, or a path where no file is for its defaults (so
 * that no ~/.aws/config of the machine's changes what is measured).
 */
export async function awsCli(stack: Stack, configFile: string, log: (line: string) => void): Promise<AwsCli> {
  const python = await ensurePythonVenv(requirements, log)
  return {
    path: join(dirname(python), 'aws'),
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
      AWS_DEFAULT_REGION: stack.s3.region,
      AWS_CONFIG_FILE: configFile,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  }
}
