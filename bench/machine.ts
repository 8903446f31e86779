/** The machine a benchmark ran on, recorded beside its figures. */
import { execFileSync } from 'node:child_process'
import { cpus, release, totalmem, type } from 'node:os'
import { MINIO_MODULE_VERSION } from '../infra/stack/binaries.js'
import type { Stack } from '../infra/stack/index.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  servers: string
  /** The MongoDB-wire server, as the stack described it. */
  database: string
}

export function describeMachine(stack: Stack): Machine {
  // What really ran: the stack says which database backend it started, or that MONGO_URI named another server.
  const s3 = stack.source.s3 === 'native' ? `MinIO ${MINIO_MODULE_VERSION} (native)` : stack.describe.s3
  const servers = `${s3}, ${stack.describe.mongo}`
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    servers,
    database: stack.describe.mongo,
  }
}

export function formatMachine(machine: Machine): string {
  return `${machine.cpu} × ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ${machine.servers}; all on loopback`
}

/** Clock ticks per second, for the CPU times in /proc/<pid>/stat. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
