import fp from 'fastify-plugin'
import type { Config } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

/** The validated config, for every other plugin. */
export default fp<{ config: Config }>(
  async (app, options) => {
    app.decorate('config', options.config)
  },
  { name: 'hoist-config' },
)
