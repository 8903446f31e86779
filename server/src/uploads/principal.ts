import type { UploadRules } from '@hoist/protocol'

/** Who is asking: taken from verified JWT claims only, never from a request body. */
export interface Principal {
  userId: string
  workspaceId: string
  /** The token's `upload` claim: limits stricter than the server's, and metadata the app fixed (upload-rules.ts). */
  uploadRules?: UploadRules
  /** "app": the app's backend (its token's `role` claim), which may attach and detach; a browser's token has none. */
  role?: 'app'
}
