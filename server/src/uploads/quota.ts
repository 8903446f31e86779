/**
 * The workspace quota check. Bytes used are summed from the records (the only exact source on FerretDB v1, whose
 * `$inc` is not atomic), and the sum is cached per workspace for a few seconds so a busy workspace does not pay
 * an aggregation per presign. The cache only ever errs towards "more used": uploads accepted here are added to
 * it, releases are not, and a refusal is always re-checked against a fresh sum.
 */
import type { UploadLedger } from '../storage/ledger.js'

const FRESH_FOR_MS = 5_000
const MAX_CACHED_WORKSPACES = 10_000

interface CachedUsage {
  used: number
  at: number
}

export class QuotaGuard {
  private readonly cache = new Map<string, CachedUsage>()

  constructor(
    private readonly ledger: UploadLedger,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when `size` more bytes fit in `quota`; if so they are counted at once, before the record exists. */
  async admit(workspaceId: string, size: number, quota: number): Promise<boolean> {
    let cached = this.cache.get(workspaceId)
    if (!cached || this.now() - cached.at > FRESH_FOR_MS || cached.used + size > quota) {
      cached = { used: await this.ledger.usedBytes(workspaceId), at: this.now() }
      if (this.cache.size >= MAX_CACHED_WORKSPACES) this.cache.clear()
      this.cache.set(workspaceId, cached)
    }
    if (cached.used + size > quota) return false
    cached.used += size
    return true
  }
}
