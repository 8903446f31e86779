import type { Collection, Db } from 'mongodb'
import { ATTACHMENTS_COLLECTION, type AttachmentStore } from './attachments.js'
import { createMissingIndexes, isDuplicateKey, mongoCalls, type MongoCalls } from './mongo-call.js'
import { boundedCollection } from './answer-deadline.js'

interface StoredAttachment {
  /** `<uploadId> <reference>`: one document per pair, so attaching is a unique insert, atomic on FerretDB too. */
  _id: string
  workspaceId: string
  uploadId: string
  reference: string
  attachedAt: Date
}

export class MongoAttachmentStore implements AttachmentStore {
  private readonly attachments: Collection<StoredAttachment>
  private readonly calls: MongoCalls

  constructor(db: Db) {
    this.attachments = boundedCollection<StoredAttachment>(db, ATTACHMENTS_COLLECTION)
    this.calls = mongoCalls(db)
  }

  ensureIndexes(): Promise<void> {
    return this.calls('attachments.ensureIndexes', () =>
      createMissingIndexes(this.attachments, [{ key: { workspaceId: 1, uploadId: 1 }, name: 'workspace_upload' }]),
    )
  }

  attach(workspaceId: string, uploadId: string, reference: string): Promise<void> {
    return this.calls('attachments.attach', async () => {
      const attachment = { _id: pairId(uploadId, reference), workspaceId, uploadId, reference, attachedAt: new Date() }
      await this.attachments.insertOne(attachment).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error
      })
    })
  }

  detach(workspaceId: string, uploadId: string, reference: string): Promise<boolean> {
    return this.calls('attachments.detach', async () => {
      const removed = await this.attachments.deleteOne({ _id: pairId(uploadId, reference), workspaceId })
      return removed.deletedCount === 1
    })
  }

  referencesOf(workspaceId: string, uploadIds: readonly string[]): Promise<Map<string, string[]>> {
    return this.calls('attachments.referencesOf', async () => {
      // One id as an equality, not `$in`: FerretDB pushes equalities down to its indexes but applies `$in` itself to
      // every attachment of the workspace (hoist gc asks about one upload at a time, thousands of times).
      const uploadId = uploadIds.length === 1 ? uploadIds[0]! : { $in: [...uploadIds] }
      const found = await this.attachments
        .find({ workspaceId, uploadId }, { projection: { uploadId: 1, reference: 1 } })
        .toArray()
      const references = new Map<string, string[]>()
      for (const { uploadId, reference } of found)
        references.set(uploadId, [...(references.get(uploadId) ?? []), reference])
      for (const list of references.values()) list.sort()
      return references
    })
  }
}

/** Upload ids are ULIDs and references hold no spaces, so the pair reads back unambiguously. */
function pairId(uploadId: string, reference: string): string {
  return `${uploadId} ${reference}`
}
