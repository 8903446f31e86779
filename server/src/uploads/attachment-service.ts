/**
 * Attaching and detaching: the app's backend says which of its records use an upload. Only an app token (`role:
 * "app"`) may; only a pending, quarantined or confirmed upload can be attached (one that ended has no file to keep). Views read
 * by the API list the references.
 */
import type { UploadView } from '@hoist/protocol'
import { AppTokenRequired, UploadNotAttachable } from '../errors.js'
import type { AttachmentStore } from '../storage/attachments.js'
import type { UploadLedger } from '../storage/ledger.js'
import { findOwned } from './deps.js'
import type { Principal } from './principal.js'
import { toView } from './record.js'

// A quarantined upload is attachable like a pending one: the app's record can name it before its scan ends.
const ATTACHABLE = new Set(['pending', 'quarantined', 'confirmed'])

export class AttachmentService {
  constructor(private readonly deps: { ledger: UploadLedger; attachments: AttachmentStore }) {}

  async attach(principal: Principal, uploadId: string, reference: string): Promise<UploadView> {
    requireApp(principal)
    const record = await findOwned(this.deps.ledger, principal, uploadId)
    if (!ATTACHABLE.has(record.status)) throw new UploadNotAttachable(uploadId, record.status)
    await this.deps.attachments.attach(principal.workspaceId, uploadId, reference)
    return this.oneWithReferences(principal, toView(record))
  }

  /** Detaching a reference that is not held changes nothing and is not an error (a retried detach). */
  async detach(principal: Principal, uploadId: string, reference: string): Promise<UploadView> {
    requireApp(principal)
    const record = await findOwned(this.deps.ledger, principal, uploadId)
    await this.deps.attachments.detach(principal.workspaceId, uploadId, reference)
    return this.oneWithReferences(principal, toView(record))
  }

  /**
   * The views with the references each holds, one query for the whole list. `attachments` is left out when there are
   * none, so a view without any reads the same from every route (confirm's answers and events do not look them up).
   */
  async withReferences(principal: Principal, views: UploadView[]): Promise<UploadView[]> {
    const ids = views.map((view) => view.id)
    const references = await this.deps.attachments.referencesOf(principal.workspaceId, ids)
    return views.map((view) => {
      const attachments = references.get(view.id)
      return attachments ? { ...view, attachments } : view
    })
  }

  async oneWithReferences(principal: Principal, view: UploadView): Promise<UploadView> {
    const [withThem] = await this.withReferences(principal, [view])
    return withThem!
  }
}

function requireApp(principal: Principal): void {
  if (principal.role !== 'app') throw new AppTokenRequired()
}
