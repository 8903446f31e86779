// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import { AttachmentService } from '../uploads/attachment-service.js'
import { UploadConfirmer } from '../uploads/confirm.js'
import { MultipartService } from '../uploads/multipart-service.js'
import { UploadService } from '../uploads/upload-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    uploads: UploadService
    confirmer: UploadConfirmer
    multipart: MultipartService
    attaching: AttachmentService
  }
}

/** The upload services, wired to the ledger and the object store. */
export default fp(
  async (app) => {
    const deps = {
      config: app.config,
      ledger: app.ledger,
      store: app.objectStore,
      clock: () => new Date(),
      ...(app.metrics ? { countTransition: app.metrics.countTransition } : {}),
    }
    app.decorate('uploads', new UploadService(deps))
    app.decorate('confirmer', new UploadConfirmer(deps))
    app.decorate('multipart', new MultipartService(deps))
    app.decorate('attaching', new AttachmentService({ ledger: app.ledger, attachments: app.attachments }))
  },
  { name: 'hoist-uploads', dependencies: ['hoist-config', 'hoist-mongo', 'hoist-s3'] },
)
