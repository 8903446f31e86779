/**
 * tap's process tracker (@tapjs/processinfo) hooks every module a test process loads, to record it for coverage and
 * `tap --changed`, neither of which this suite uses. Before Node.js 24.13 it does so on a thread of its own
 * (`module.register`), to which every module load makes a round trip: that doubled the unit run's CPU on Node.js 22
 * (57 s -> 36 s wall without it). From 24.13 it hooks in-thread (`module.registerHooks`), reading each module's
 * source once more (about a tenth of the unit run's CPU). test/run.ts loads this file through NODE_OPTIONS, which
 * Node.js reads before tap's `--import` of the tracker, so that neither hook stays: the thread is never started, and
 * the in-thread hook is taken out once the tracker has started its record. The record itself (start time, runtime
 * and exit code, which test/support/file-times.ts reads) is kept.
 */
import Module from 'node:module'

/** Where the tracker keeps its record of this process, once started (its get-process-info.js). */
const TRACKER_RECORD = Symbol.for('@tapjs/processinfo.ProcessInfoNodeData')
const fromTracker = (specifier) => String(specifier).includes('@tapjs/processinfo')

const register = Module.register
Module.register = function registerUnlessTracker(specifier, ...rest) {
  if (fromTracker(specifier)) return
  return register.call(this, specifier, ...rest)
}

const registerHooks = Module.registerHooks
if (registerHooks) {
  Module.registerHooks = function registerHooksUntilTrackerStarted(hooks) {
    if (!fromTracker(new Error().stack)) return registerHooks.call(this, hooks)
    // The tracker starts its record on the first module it records; it needs its hook until then.
    const handle = registerHooks.call(this, {
      load(url, context, nextLoad) {
        const loaded = hooks.load(url, context, nextLoad)
        if (globalThis[TRACKER_RECORD]) handle.deregister()
        return loaded
      },
    })
    return handle
  }
}
