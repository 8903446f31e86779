import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Where freePort records the ports it hands out: empty files named `<port>.<period>`, shared by every process on this
 * machine. The kernel can give one free port to two callers that each close it before their server binds it, and
 * test files start servers in parallel; a port claimed in this period or the one before is not handed out again.
 * One folder per user: another user's claims would not be writable.
 */
export interface PortClaims {
  dir: string
  periodMs: number
  now: () => number
}

const MACHINE_CLAIMS: PortClaims = {
  dir: join(tmpdir(), `hoist-port-claims-${process.getuid?.() ?? 'user'}`),
  periodMs: 5 * 60_000,
  now: Date.now,
}
const MAX_ASKS = 50

/** Asks the kernel for a free loopback port (from its ephemeral range). */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port assigned'))
      })
    })
  })
}

/** The first port of the kernel's ephemeral range: Linux says; elsewhere IANA's 49152 (macOS and Windows use it). */
function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    return 49_152
  }
}

/** Above the ports servers conventionally use (3000, 5432, 6379, 8080, 9000…). */
const LISTEN_FROM = 20_000

/**
 * Where servers get their ports: below the kernel's ephemeral range. The kernel hands out ephemeral ports for every
 * outgoing connection and every bind to port 0, so a server's port chosen there can be taken by any client on the
 * machine between the check and the server's bind (thousands of connections a second while tests run), and a client
 * reconnecting to a stopped server there can be handed that very port and connect to itself. Below the range, only a
 * process that asks for the port by number can take it. Undefined where that range is too small to draw from.
 */
export function listeningRange(ephemeralFrom = ephemeralStart()): { from: number; to: number } | undefined {
  return ephemeralFrom - LISTEN_FROM >= 1_000 ? { from: LISTEN_FROM, to: ephemeralFrom } : undefined
}

/** A loopback port outside the ephemeral range that binds now; the kernel's choice where there is no such range. */
async function listeningPort(): Promise<number> {
  const range = listeningRange()
  for (let draw = 0; range && draw < MAX_ASKS; draw++) {
    const port = range.from + Math.floor(Math.random() * (range.to - range.from))
    if (await portIsFree(port)) return port
  }
  return kernelPort()
}

/** True if this caller now holds `port` for this period: an exclusive create, which one process wins. */
function claim(port: number, claims: PortClaims, period: number): boolean {
  if (existsSync(join(claims.dir, `${port}.${period - 1}`))) return false
  try {
    writeFileSync(join(claims.dir, `${port}.${period}`), '', { flag: 'wx' })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

const swept = new Set<string>()

/** Once per process: claims older than the last period protect nothing. */
function sweep(claims: PortClaims, period: number): void {
  if (swept.has(claims.dir)) return
  swept.add(claims.dir)
  for (const name of readdirSync(claims.dir)) {
    if (Number(name.split('.')[1]) < period - 1) rmSync(join(claims.dir, name), { force: true })
  }
}

/**
 * A loopback port that was free a moment ago, outside the kernel's ephemeral range (see listeningRange), that no
 * other caller of freePort on this machine was given lately. Only a process that binds that port by number without
 * asking freePort can still take it before the caller binds it; callers that start a process retry.
 */
export async function freePort(
  claims: PortClaims = MACHINE_CLAIMS,
  ask: () => Promise<number> = listeningPort,
): Promise<number> {
  mkdirSync(claims.dir, { recursive: true })
  const period = Math.floor(claims.now() / claims.periodMs)
  sweep(claims, period)
  for (let attempt = 0; attempt < MAX_ASKS; attempt++) {
    const port = await ask()
    if (claim(port, claims, period)) return port
  }
  throw new Error(`${MAX_ASKS} free loopback ports in a row had been claimed lately by other processes`)
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port the caller promised to keep (dev's servers, whose URLs are stored) is held by another process. */
export class PortTakenError extends Error {
  constructor(
    readonly port: number,
    readonly server: string,
  ) {
    super(`port ${port}, kept for ${server}, is in use by another process`)
  }
}

/**
 * The port a server was given before, when there is one — `npm run dev` keeps its servers' addresses across
 * restarts, because every URL it handed out names them — else a free one. A kept port is never silently replaced.
 */
export async function keptOrFreePort(kept: number | undefined, server: string): Promise<number> {
  if (kept === undefined) return freePort()
  if (await portIsFree(kept)) return kept
  throw new PortTakenError(kept, server)
}

/** Throws a PortTakenError for the first kept port that is in use; servers without a kept port are skipped. */
export async function assertPortsFree(kept: Record<string, number | undefined>): Promise<void> {
  for (const [server, port] of Object.entries(kept)) {
    if (port !== undefined && !(await portIsFree(port))) throw new PortTakenError(port, server)
  }
}
