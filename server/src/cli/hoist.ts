#!/usr/bin/env node
/**
 * The `hoist` command: operations on the deployment the environment describes (the same env vars as the API; without
 * MONGO_URI it falls back to .hoist/dev.env, the settings `npm run dev` wrote). `hoist <command> --help` answers
 * without reading configuration or touching a server, and cheaply: each command loads its implementation (the AWS SDK,
 * the MongoDB driver, the configuration's schemas) only when it runs.
 */
import { parseArgs } from 'node:util'
import { WholeBucketRefusedError } from '../bucket/scope.js'
import type { Config } from '../config.js'
import { UsageError, type Command } from './command.js'
import { readDevEnv } from './dev-env.js'

type Loader = () => Promise<Command>

/** Every subcommand's usage, help and options, loaded only when named. */
const COMMANDS: Record<string, Loader> = {
  'bucket setup': async () => (await import('./commands/bucket-setup.js')).default,
  migrate: async () => (await import('./commands/migrate.js')).default,
  move: async () => (await import('./commands/move.js')).default,
  doctor: async () => (await import('./commands/doctor.js')).default,
  sweep: async () => (await import('./commands/sweep.js')).default,
  gc: async () => (await import('./commands/gc.js')).default,
  'events list': async () => (await import('./commands/events.js')).list,
  'events redeliver': async () => (await import('./commands/events.js')).redeliver,
  'events deliver': async () => (await import('./commands/events.js')).deliver,
  worker: async () => (await import('./commands/worker.js')).default,
  upload: async () => (await import('./commands/upload.js')).default,
}

/** The deployment's settings: the environment, else .hoist/dev.env. */
async function configFromEnvironment(): Promise<Config> {
  const { loadConfig } = await import('../config.js')
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

async function usage(names: string[] = Object.keys(COMMANDS)): Promise<string> {
  const lines = await Promise.all(names.map(async (name) => `  hoist ${(await COMMANDS[name]!()).usage}`))
  return `usage:\n${lines.join('\n')}\n\n\`hoist <command> --help\` says more.`
}

const isHelp = (arg: string | undefined): boolean => arg === '--help' || arg === '-h'

async function main(argv: string[]): Promise<number> {
  const name = [argv.slice(0, 2).join(' '), argv[0] ?? ''].find((candidate) => candidate in COMMANDS)
  // A group of subcommands (`hoist bucket`, `hoist events`): its own list; asked for with --help, or a usage error.
  const group = Object.keys(COMMANDS).filter((key) => key.startsWith(`${argv[0]} `))
  if (!name && group.length > 0) {
    const asked = isHelp(argv[1])
    ;(asked ? console.log : console.error)(await usage(group))
    return asked ? 0 : 2
  }
  if (!name) {
    const asked = argv.length === 0 || isHelp(argv[0])
    ;(asked ? console.log : console.error)(await usage())
    return asked ? 0 : 2
  }
  const command = await COMMANDS[name]!()
  const args = argv.slice(name.split(' ').length)
  if (args.some(isHelp)) {
    console.log(`usage: hoist ${command.usage}\n\n${command.help}`)
    return 0
  }
  try {
    const parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true })
    if (parsed.positionals.length > 0 && !command.positionals)
      throw new UsageError(`unexpected argument: ${parsed.positionals[0]}`)
    return await command.run(parsed, configFromEnvironment)
  } catch (error) {
    const usageMistake = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    if (!usageMistake) throw error
    console.error(`hoist ${name}: ${(error as Error).message}\nusage: hoist ${command.usage}`)
    return 2
  }
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  const { ConfigError } = await import('../config.js')
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
