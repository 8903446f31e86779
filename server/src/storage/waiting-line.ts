/**
 * Work on one key (a workspace's journal or event stream) one call after another in this process: racing each other
 * would only make all but one retry. Each call waits in line at most `waitMs` (MongoDB's budget): behind a server
 * that stalls, a line would otherwise add every earlier call's budget to a request's own. A call that gives up is
 * answered with a 503 at once and never runs later, so nothing it would have written appears after its answer.
 */
import { dependencyUnavailable } from '../errors.js'

export class WaitingLine {
  private readonly tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, waitMs: number, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let gaveUp = false
    const started = previous.then(() => !gaveUp)
    const done = started.then((go) => (go ? work() : undefined))
    const tail = done.catch(() => undefined)
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    if (!(waitMs > 0 && Number.isFinite(waitMs))) return done as Promise<T>
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true
        reject(dependencyUnavailable('MongoDB', new Error(`waited in line for ${key} past ${waitMs} ms`), true))
      }, waitMs)
    })
    // Only the wait counts here: once started, the work's own calls are bounded by the driver's budget.
    const ran = started.then(() => {
      clearTimeout(timer)
      return done as Promise<T>
    })
    return Promise.race([ran, deadline])
  }
}
