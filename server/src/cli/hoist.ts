#!/usr/bin/env node
/**
 * The `hoist` command: operations on the deployment the environment describes (the same env vars as the API).
 *   hoist bucket setup [--access public-read|private] [--abort-multipart-days N] [--whole-bucket]
 *   hoist sweep
 *   hoist doctor [--fix] [--grace-hours N] [--json] [--whole-bucket]
 *   hoist migrate --from <dir> --old-prefix /uploads/ [...]   (`hoist migrate --help`)
 * Without MONGO_URI in the environment it falls back to .hoist/dev.env, the settings `npm run dev` wrote.
 */
import { ConfigError, loadConfig, type Config } from '../config.js'
import { WholeBucketRefusedError } from '../bucket/scope.js'
import { readDevEnv } from './dev-env.js'

const USAGE = `usage:
  hoist bucket setup [--access public-read|private] [--abort-multipart-days N] [--whole-bucket]
  hoist sweep
  hoist doctor [--fix] [--grace-hours N] [--json] [--whole-bucket]
  hoist migrate --help`

export function configFromEnvironment(): Config {
  let env = process.env
  if (!env.MONGO_URI) {
    const dev = readDevEnv()
    if (dev) {
      console.error('hoist: MONGO_URI is not set; using the dev stack settings in .hoist/dev.env')
      env = { ...dev, ...env }
    }
  }
  return loadConfig(env)
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'bucket': {
      if (rest[0] !== 'setup') break
      const { runBucketSetupCommand } = await import('./commands/bucket-setup.js')
      return runBucketSetupCommand(rest.slice(1), configFromEnvironment)
    }
    case 'migrate': {
      const { runMigrateCommand } = await import('./commands/migrate.js')
      return runMigrateCommand(rest, configFromEnvironment)
    }
    case 'doctor': {
      const { runDoctorCommand } = await import('./commands/doctor.js')
      return runDoctorCommand(rest, configFromEnvironment)
    }
    case 'sweep': {
      const { runSweepCommand } = await import('./commands/sweep.js')
      return runSweepCommand(configFromEnvironment())
    }
    default:
      break
  }
  console.error(USAGE)
  return 2
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exitCode = 78
  } else if (error instanceof WholeBucketRefusedError) {
    console.error(`hoist: ${error.message}`)
    process.exitCode = 2
  } else {
    const cause = (error as Error).cause as Error | undefined
    console.error(`hoist: ${(error as Error).message}${cause ? ` (${cause.name}: ${cause.message})` : ''}`)
    process.exitCode = 1
  }
}
