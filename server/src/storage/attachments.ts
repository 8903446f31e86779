/**
 * Which of the app's records use each upload (references the app's backend attaches and detaches), so that cleanup
 * never deletes a file the app still uses. MongoAttachmentStore and MemoryAttachmentStore (test/doubles) both pass
 * test/contracts/attachment-contract.ts.
 */
export interface AttachmentStore {
  /** Idempotent: a reference attached twice is held once. */
  attach(workspaceId: string, uploadId: string, reference: string): Promise<void>
  /** Idempotent: true when the reference was attached until now. */
  detach(workspaceId: string, uploadId: string, reference: string): Promise<boolean>
  /** The references held on each of the workspace's `uploadIds` (sorted; uploads without any are absent). */
  referencesOf(workspaceId: string, uploadIds: readonly string[]): Promise<Map<string, string[]>>
}

export const ATTACHMENTS_COLLECTION = 'upload_attachments'
