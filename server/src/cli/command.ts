/**
 * The shape of every `hoist` subcommand: its usage, help and options, declared once, so `--help` and a bad option are
 * answered before anything reads configuration or touches a server.
 */
import type { ParseArgsConfig, parseArgs } from 'node:util'
import type { Config } from '../config.js'

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; args: string[] }>
>

export interface Command<O extends ParseArgsOptionsConfig = ParseArgsOptionsConfig> {
  /** `hoist <usage>`, e.g. `doctor [--fix] [--grace-hours N] [--json]`. */
  usage: string
  /** What it does and what each option means. */
  help: string
  options: O
  /** Takes positional arguments (e.g. files to upload). */
  positionals?: boolean
  /**
   * The exit code. `config` reads the deployment's settings (env, else .hoist/dev.env) when called — after the
   * arguments are checked, so a usage mistake costs no loading of the configuration's schemas.
   */
  run(parsed: Parsed<O>, config: () => Promise<Config>): Promise<number>
}

export function defineCommand<O extends ParseArgsOptionsConfig>(command: Command<O>): Command<O> {
  return command
}

/** A mistake in the command line: exit code 2, the message, then the command's usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A positive whole number from an option, or a UsageError naming it. */
export function wholeNumber(value: string | undefined, option: string, minimum = 1): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < minimum)
    throw new UsageError(`--${option} is a whole number, at least ${minimum}`)
  return number
}
