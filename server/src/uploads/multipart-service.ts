/**
 * Multipart parts: signs part URLs in batches (again at any time while the upload is pending, so an expired URL never
 * costs progress) and tells a resuming client everything it needs in one answer: the plan and the parts in the bucket.
 */
import { partLength, type MultipartProgress, type SignedParts } from '@hoist/protocol'
import { NotMultipart, PartNotInPlan, UploadNotPending } from '../errors.js'
import { findOwned, type ServiceDeps } from './deps.js'
import type { Principal } from './principal.js'
import type { MultipartPlan, UploadRecord } from './record.js'

export class MultipartService {
  constructor(private readonly deps: ServiceDeps) {}

  async signParts(principal: Principal, id: string, partNumbers: number[]): Promise<SignedParts> {
    const { record, plan } = await this.pendingMultipart(principal, id)
    const outOfRange = partNumbers.filter((n) => n > plan.partCount)
    if (outOfRange.length > 0) {
      throw new PartNotInPlan(id, plan.partCount, outOfRange.slice(0, 5).join(', '))
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
    return { parts, expiresAt: new Date(this.deps.clock().getTime() + ttl * 1000).toISOString() }
  }

  async progress(principal: Principal, id: string): Promise<MultipartProgress> {
    const { record, plan } = await this.pendingMultipart(principal, id)
    const inBucket = (await this.deps.store.listParts(record.key, plan.uploadId)) ?? []
    return {
      id: record._id,
      size: record.size,
      partSize: plan.partSize,
      partCount: plan.partCount,
      expiresAt: record.expiresAt.toISOString(),
      parts: inBucket.map(({ partNumber, size }) => ({ partNumber, size })),
    }
  }

  private async pendingMultipart(
    principal: Principal,
    id: string,
  ): Promise<{ record: UploadRecord; plan: MultipartPlan }> {
    const record = await findOwned(this.deps.ledger, principal, id)
    if (!record.multipart) throw new NotMultipart(id)
    if (record.status !== 'pending') throw new UploadNotPending(id, record.status)
    return { record, plan: record.multipart }
  }
}
