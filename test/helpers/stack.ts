import type { Test } from 'tap'
import { dockerAnswers, startMinioContainer } from '../../infra/stack/docker.js'
import {
  ensureServerBinaries,
  startStack,
  type S3Settings,
  type Stack,
  type StackOptions,
} from '../../infra/stack/index.js'
import { startNativeMinio } from '../../infra/stack/native.js'

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

/**
 * A second S3-compatible server of the test's own (MinIO, a container when Docker answers), with its own root
 * credentials, stopped when the file ends: another store, as `hoist move` between providers sees it.
 */
export async function ownedMinio(
  t: Test,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<S3Settings> {
  const env = { MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey }
  const started = (await dockerAnswers())
    ? await startMinioContainer('*', env)
    : await startNativeMinio((await ensureServerBinaries((line) => t.comment(line))).minio, '*', {}, env)
  t.teardown(() => started.server.dispose())
  return { ...started.s3, ...credentials }
}
