/** The upload services wired to the in-memory ledger and object store, with a clock the test controls. */
import { parseConfig, type Config } from '../../server/src/config.js'
import type { CountTransition } from '../../server/src/metrics/observers.js'
import { UploadConfirmer } from '../../server/src/uploads/confirm.js'
import type { ServiceDeps } from '../../server/src/uploads/deps.js'
import { MultipartService } from '../../server/src/uploads/multipart-service.js'
import type { Principal } from '../../server/src/uploads/principal.js'
import { UploadService } from '../../server/src/uploads/upload-service.js'
import { MemoryLedger, type MemoryLedgerOptions } from './memory-ledger.js'
import { MemoryObjectStore } from './memory-object-store.js'

export interface MemoryServices extends ServiceDeps {
  ledger: MemoryLedger
  store: MemoryObjectStore
  uploads: UploadService
  confirmer: UploadConfirmer
  multipart: MultipartService
  /** Moves the clock on. */
  advance(ms: number): void
}

export const alice: Principal = { userId: 'alice', workspaceId: 'ws-a' }
export const mallory: Principal = { userId: 'mallory', workspaceId: 'ws-b' }

export function memoryServices(
  options: { config?: Partial<Config>; ledger?: MemoryLedgerOptions; countTransition?: CountTransition } = {},
): MemoryServices {
  let now = Date.parse('2026-11-28T12:00:00Z')
  const clock = (): Date => new Date(now)
  const config = parseConfig({
    s3Bucket: 'memory-bucket',
    mongoUri: 'mongodb://unused/',
    jwtSecret: 'x'.repeat(32),
    ...options.config,
  })
  // Fast settles: the production waits add up to ~1.3 s.
  const ledger = new MemoryLedger({ settleWaitsMs: [2, 4, 8, 16], now: () => now, ...options.ledger })
  const store = new MemoryObjectStore()
  const deps = {
    config,
    ledger,
    store,
    clock,
    ...(options.countTransition ? { countTransition: options.countTransition } : {}),
  }
  return {
    ...deps,
    uploads: new UploadService(deps),
    confirmer: new UploadConfirmer(deps),
    multipart: new MultipartService(deps),
    advance: (ms) => void (now += ms),
  }
}
