/**
 * Inside this repository the workspace packages (@hoist/protocol, …) resolve to their TypeScript sources under the
 * `hoist-source` export condition: tsconfig's customConditions, NODE_OPTIONS in the npm scripts, Vite's
 * resolve.conditions. Built code (server/dist, what Render runs) must run without it, on the packages' own dist.
 */
const SOURCE_CONDITION = 'hoist-source'

/** The environment for a child that runs built JavaScript: NODE_OPTIONS without the source condition. */
export function builtCodeEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const options = (env.NODE_OPTIONS ?? '').replaceAll(`--conditions=${SOURCE_CONDITION}`, '').trim()
  return { ...env, NODE_OPTIONS: options }
}
