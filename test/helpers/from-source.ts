/**
 * Node.js arguments that run a TypeScript entry point from source the way the test files themselves run (see
 * test/support/strip-types.mjs): `spawn(process.execPath, [...FROM_SOURCE, 'server/src/main.ts'])`.
 */
export const FROM_SOURCE = [
  '--import',
  new URL('../support/strip-types.mjs', import.meta.url).href,
  '--enable-source-maps',
]
