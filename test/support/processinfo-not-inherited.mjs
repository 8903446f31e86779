/**
 * tap loads @tapjs/processinfo into each test process and, from there, into every Node.js process a test starts (the
 * APIs, workers and `hoist` commands, npm, tsc, ESLint, Vite): it wraps child_process's spawn (the process-on-spawn
 * package) to add itself to each child's NODE_OPTIONS. It records which test started which process, for coverage and
 * `tap --changed`, neither of which this suite uses; before Node.js 24.13 it hooks module loading on a thread of its
 * own, which costs each process about 2.5 s of CPU on this machine. So it stays in the test process, where tap reads
 * its timings (test/support/file-times.ts), without its module hooks (processinfo-without-module-hooks.mjs), and the
 * last spawn listener takes it out of what children inherit.
 */
/** The tracker's own option, and test/support/processinfo-without-module-hooks.mjs (test/run.ts adds it). */
const PROCESSINFO_OPTION = /(^|\s)"?--(import|loader|require)[= ]\S*processinfo\S*/g
const PROCESSINFO_ENV = /^_TAPJS_PROCESSINFO_/

/** process-on-spawn's state, shared through this global symbol by every copy of it; processinfo made it before us. */
const spawnHooks = globalThis[Symbol.for('process-on-spawn@*:singletonId')]

spawnHooks?.listeners.push((child) => {
  const env = { ...child.env }
  for (const name of Object.keys(env)) if (PROCESSINFO_ENV.test(name)) delete env[name]
  const options = (env.NODE_OPTIONS ?? '').replace(PROCESSINFO_OPTION, '').trim()
  if (options) env.NODE_OPTIONS = options
  else delete env.NODE_OPTIONS
  child.env = env
})
