import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** A server the stack can stop and start again on the same port and data (fault tests need the restart). */
export interface ManagedServer {
  readonly name: string
  /** Where it listens (host:port), for checks that it is gone. */
  readonly port?: number
  /**
   * While running natively: the pids of its guard, the server and the server's own children (PostgreSQL's backends),
   * for fault tests that freeze them with SIGSTOP and thaw them with SIGCONT. Not one process group: PostgreSQL's
   * postmaster makes a session of its own.
   */
  pids?(): number[]
  start(): Promise<void>
  stop(): Promise<void>
  /** Stops the server for good and removes what it stored. */
  dispose(): Promise<void>
}

/**
 * Why a shell guard around every server: if this Node process dies without running its exit handlers (SIGKILL,
 * OOM), the guard notices its parent is gone within a second and stops the server, so nothing is orphaned.
 */
const GUARD_SCRIPT = `
parent=$1; shift
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT HUP
# A guard running as another user may not signal its parent (EPERM): /proc tells whether it is alive.
alive() { kill -0 "$1" 2>/dev/null || [ -d "/proc/$1" ]; }
while alive "$parent" && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
kill -TERM "$child" 2>/dev/null
wait "$child"
`

/** How long a server may take to shut down after SIGTERM before it is killed, unless told otherwise. */
const STOP_GRACE_MS = 10_000

/** Signals the guard and everything it started (the server and the server's own children). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    child.kill(signal) // the group is already gone
  }
}

/** A process and its descendants, from Linux's /proc (the native stack runs on Linux). */
function processTree(root: number): number[] {
  const children = (pid: number): number[] => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
        readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
      )
    } catch {
      return [] // it has just exited
    }
  }
  return [root, ...children(root).flatMap(processTree)]
}

/**
 * Freezes processes with SIGSTOP — a frozen server keeps its connections open and never answers, which is what a
 * stalled dependency looks like — and returns the thaw (SIGCONT). Pass a server's whole tree (`pids()`), so the
 * server itself stops, not only its guard.
 */
export function freeze(pids: number[]): () => void {
  const signal = (signal: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, signal)
      } catch {
        // It exited since it was listed (the guard's one-second `sleep`, a PostgreSQL backend).
      }
    }
  }
  signal('SIGSTOP')
  return () => signal('SIGCONT')
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers must be synchronous: signal the guards, they stop their servers.
  // Death by a signal skips 'exit' handlers; the guard covers that case.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGTERM')
  })
}

/** A user to run a server as (PostgreSQL refuses to run as root). */
export interface RunAs {
  uid: number
  gid: number
}

export interface NativeProcessOptions {
  name: string
  port?: number
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  runAs?: RunAs
  /** Resolves true once the server answers; polled until `startTimeoutMs`. */
  isReady: () => Promise<boolean>
  startTimeoutMs?: number
  stopGraceMs?: number
  onDispose?: () => Promise<void>
}

export class NativeProcess implements ManagedServer {
  readonly name: string
  readonly port: number | undefined
  private child: ChildProcess | undefined
  private output = ''

  constructor(private readonly options: NativeProcessOptions) {
    this.name = options.name
    this.port = options.port
  }

  pids(): number[] {
    return this.child?.pid ? processTree(this.child.pid) : []
  }

  async start(): Promise<void> {
    if (this.child) return
    installExitHook()
    const { command, args, env } = this.options
    const child = spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'hoist-guard', String(process.pid), command, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that stop() can kill the server with its guard (see stop).
      detached: true,
      ...(this.options.runAs ?? {}),
    })
    this.child = child
    running.add(child)
    this.output = ''
    const keepTail = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4000)
    }
    child.stdout?.on('data', keepTail)
    child.stderr?.on('data', keepTail)
    let exited = false
    child.once('exit', () => {
      exited = true
      running.delete(child)
    })
    // The server must not keep the event loop (and so a test process) alive by itself.
    child.unref()
    ;(child.stdout as unknown as { unref?: () => void } | null)?.unref?.()
    ;(child.stderr as unknown as { unref?: () => void } | null)?.unref?.()

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000)
    while (Date.now() < deadline) {
      if (exited) {
        this.child = undefined
        throw new Error(`${this.name} exited while starting:\n${this.output}`)
      }
      if (await this.options.isReady().catch(() => false)) return
      await sleep(100)
    }
    await this.stop()
    throw new Error(`${this.name} did not become ready in time:\n${this.output}`)
  }

  async stop(): Promise<void> {
    const child = this.child
    if (!child) return
    this.child = undefined
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    // Whoever awaits stop() waits for the exit: the process must not end first.
    child.ref()
    child.kill('SIGTERM')
    const killed = await Promise.race([
      exited.then(() => true),
      sleep(this.options.stopGraceMs ?? STOP_GRACE_MS).then(() => false),
    ])
    if (!killed) {
      // Killing the guard alone would leave the server running: still shutting down, holding its clients'
      // connections open and unanswered (a restarted server on the same port would not be the one they talk to).
      killGroup(child, 'SIGKILL')
      await exited
    }
  }

  async dispose(): Promise<void> {
    await this.stop()
    await this.options.onDispose?.()
  }
}
