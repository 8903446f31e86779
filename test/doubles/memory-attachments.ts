import type { AttachmentStore } from '../../server/src/storage/attachments.js'

/** AttachmentStore in memory, for unit tests; passes the same contract as MongoAttachmentStore. */
export class MemoryAttachmentStore implements AttachmentStore {
  private readonly held = new Map<string, Set<string>>()

  async attach(workspaceId: string, uploadId: string, reference: string): Promise<void> {
    const key = `${workspaceId} ${uploadId}`
    this.held.set(key, (this.held.get(key) ?? new Set()).add(reference))
  }

  async detach(workspaceId: string, uploadId: string, reference: string): Promise<boolean> {
    return this.held.get(`${workspaceId} ${uploadId}`)?.delete(reference) ?? false
  }

  async referencesOf(workspaceId: string, uploadIds: readonly string[]): Promise<Map<string, string[]>> {
    const references = new Map<string, string[]>()
    for (const id of uploadIds) {
      const held = [...(this.held.get(`${workspaceId} ${id}`) ?? [])].sort()
      if (held.length > 0) references.set(id, held)
    }
    return references
  }
}
