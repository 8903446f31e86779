/**
 * tap's process tracker (@tapjs/processinfo) records every module a test process loads, for coverage and
 * `tap --changed`, neither of which this suite uses. Before Node.js 24.13 it does so with `module.register`: module
 * hooks on a thread of their own, to which every module load makes a round trip. That doubled the CPU time of the unit
 * run on Node.js 22 (57 s -> 36 s wall without it). test/run.ts loads this file through NODE_OPTIONS, which Node.js
 * reads before tap's `--import` of the tracker, so the tracker's call to `module.register` does nothing; the rest of it
 * (start time, runtime and exit code, which test/support/file-times.ts reads) runs as before. On Node.js 24.13 and
 * later the tracker hooks module loading in-thread with `module.registerHooks` instead, which this leaves alone.
 */
import Module from 'node:module'

const register = Module.register

Module.register = function registerUnlessTracker(specifier, ...rest) {
  if (String(specifier).includes('@tapjs/processinfo')) return
  return register.call(this, specifier, ...rest)
}
