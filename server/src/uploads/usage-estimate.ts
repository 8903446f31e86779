/**
 * A fast upper bound on a workspace's used bytes, so that a presign far from the quota does not sum every upload the
 * workspace has ever had. The sum of the uploads older than a boundary is remembered (refreshed every REFRESH_MS),
 * and only the uploads after it are summed each time — a range of the `{workspaceId, _id}` index, since ids are
 * ULIDs. Remembered bytes of uploads since deleted only make the figure larger than the truth, never smaller. An
 * upload with an id before the boundary that is inserted after its sum was taken would be missed, so the boundary
 * trails the clock by MARGIN_MS: the bound assumes an insert lands within MARGIN_MS of its id being taken (so, too,
 * that the instances' clocks agree to within that).
 */
import type { UploadLedger } from '../storage/ledger.js'
import { uploadIdFloor } from './keys.js'

const MARGIN_MS = 30_000
const REFRESH_MS = 10_000
/** Workspaces remembered at once; beyond that the oldest are forgotten (and summed again when next needed). */
const MAX_WORKSPACES = 10_000

interface RememberedPrefix {
  boundary: string
  bytes: number
  at: number
}

export class UsageEstimate {
  private readonly prefixes = new Map<string, RememberedPrefix>()

  constructor(
    private readonly ledger: UploadLedger,
    private readonly now: () => number = Date.now,
  ) {}

  /** At least the bytes the workspace holds now (see above for the one assumption). */
  async atLeastUsed(workspaceId: string): Promise<number> {
    const prefix = await this.prefixOf(workspaceId)
    return prefix.bytes + (await this.ledger.usedBytes(workspaceId, { after: prefix.boundary }))
  }

  private async prefixOf(workspaceId: string): Promise<RememberedPrefix> {
    const now = this.now()
    const known = this.prefixes.get(workspaceId)
    if (known && now - known.at < REFRESH_MS) return known
    const boundary = uploadIdFloor(now - MARGIN_MS)
    const fresh = { boundary, bytes: await this.ledger.usedBytes(workspaceId, { upTo: boundary }), at: now }
    this.prefixes.delete(workspaceId)
    this.prefixes.set(workspaceId, fresh)
    if (this.prefixes.size > MAX_WORKSPACES) this.prefixes.delete(this.prefixes.keys().next().value!)
    return fresh
  }
}
