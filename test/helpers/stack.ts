import type { Test } from 'tap'
import { startStack, type Stack, type StackOptions } from '../../infra/stack/index.js'

/**
 * The servers a test file talks to: the ones `npm test` started (their endpoints arrive in env), or — when a
 * file runs alone — a native stack of its own, stopped when the file ends.
 */
export async function sharedStack(t: Test): Promise<Stack> {
  const stack = await startStack({ log: (line) => t.comment(line) })
  t.teardown(() => stack.stop())
  return stack
}

/** Servers this test owns and may stop and restart (fault injection); never the shared ones. */
export async function ownedStack(t: Test, options: Pick<StackOptions, 'minioEnv'> = {}): Promise<Stack> {
  const stack = await startStack({ owned: true, log: (line) => t.comment(line), ...options })
  t.teardown(() => stack.stop())
  return stack
}
