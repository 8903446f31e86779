/**
 * Multipart parts: signs part URLs in batches (again at any time while the upload is pending, so an expired
 * URL never costs progress) and lists the parts already in the bucket, for resume.
 */
import type { Config } from '../config.js'
import { NotMultipart, UploadNotFound, UploadNotPending, ValidationFailed } from '../errors.js'
import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectStore, PresignedRequest, UploadedPart } from '../storage/object-store.js'
import { partLength } from './multipart-plan.js'
import type { Principal } from './principal.js'
import type { MultipartPlan, UploadRecord } from './record.js'

export interface SignedPart extends PresignedRequest {
  partNumber: number
  size: number
}

export interface MultipartDeps {
  config: Config
  ledger: UploadLedger
  store: ObjectStore
  now?: () => Date
}

export class MultipartService {
  constructor(private readonly deps: MultipartDeps) {}

  async signParts(principal: Principal, id: string, partNumbers: number[]): Promise<{ parts: SignedPart[]; expiresAt: string }> {
    const { record, plan } = await this.pendingMultipart(principal, id)
    const outOfRange = partNumbers.filter((n) => n > plan.partCount)
    if (outOfRange.length > 0) {
      throw new ValidationFailed(`part numbers must be within 1..${plan.partCount}; got ${outOfRange.slice(0, 5).join(', ')}`)
    }
    const ttl = this.deps.config.uploadUrlTtlSeconds
    const parts = await Promise.all(
      partNumbers.map(async (partNumber) => {
        const size = partLength(record.size, plan, partNumber)
        const request = await this.deps.store.presignPart({
          key: record.key,
          uploadId: plan.uploadId,
          partNumber,
          contentLength: size,
          expiresInSeconds: ttl,
        })
        return { partNumber, size, ...request }
      }),
    )
    const now = (this.deps.now ?? (() => new Date()))()
    return { parts, expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() }
  }

  async uploadedParts(principal: Principal, id: string): Promise<UploadedPart[]> {
    const { record, plan } = await this.pendingMultipart(principal, id)
    return (await this.deps.store.listParts(record.key, plan.uploadId)) ?? []
  }

  private async pendingMultipart(principal: Principal, id: string): Promise<{ record: UploadRecord; plan: MultipartPlan }> {
    const record = await this.deps.ledger.get(principal.workspaceId, id)
    if (!record) throw new UploadNotFound(id)
    if (!record.multipart) throw new NotMultipart(id)
    if (record.status !== 'pending') throw new UploadNotPending(id, record.status)
    return { record, plan: record.multipart }
  }
}
