// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import type { ObjectStore, QuarantinedObjects } from '../storage/object-store.js'
import { openObjectStore } from '../storage/open-object-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    objectStore: ObjectStore & QuarantinedObjects
  }
}

/** The object store (one S3 client per process), closed with the app. */
export default fp(
  async (app) => {
    const store = openObjectStore(app.config)
    if (app.metrics) store.observeCalls(app.metrics.dependencies)
    app.addHook('onClose', async () => store.close())
    app.decorate('objectStore', store)
  },
  { name: 'hoist-s3', dependencies: ['hoist-config', 'hoist-metrics'] },
)
