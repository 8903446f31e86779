import { createServer } from 'node:net'

/** Asks the kernel for a free loopback port. Another process could take it before we bind; callers retry. */
export function freePort(): Promise<number> {
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
