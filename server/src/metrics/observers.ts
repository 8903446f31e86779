/**
 * What the rest of Hoist reports to its metrics, as small interfaces with no Prometheus in them: services, adapters
 * and workers take these (optional: absent, nothing is measured), and HoistMetrics (hoist-metrics.ts) implements them.
 * Every value here is one of a fixed set — never a workspace, an upload id or a URL — so label sets stay bounded.
 */

/** The servers Hoist calls, each with its own time budget (README "Time budgets"). */
export type Dependency = 'mongodb' | 's3' | 'redis' | 'webhook'

export interface DependencyObserver {
  /**
   * One call, however it ended: how long it took and whether it ended because its time budget was spent.
   * `operation` is a fixed name from the code (`uploads.insert`, `HeadObject`, `evalsha`, `deliver`).
   */
  observe(dependency: Dependency, operation: string, seconds: number, timedOut: boolean): void
}

/** A record's change, named after its event (`upload.<transition>`). */
type UploadTransition = 'confirmed' | 'rejected' | 'expired' | 'deleted' | 'processed'

/** Who made it: the client's request, the sweeper, a bucket notification, or the image worker. */
export type TransitionActor = 'client' | 'sweeper' | 'notification' | 'worker'

export type CountTransition = (transition: UploadTransition, by: TransitionActor) => void

/** Runs `call`, reporting its duration to `observer` (when there is one); `timedOut` reads the error it threw. */
export async function observed<T>(
  observer: DependencyObserver | undefined,
  dependency: Dependency,
  operation: string,
  timedOut: (error: unknown) => boolean,
  call: () => Promise<T>,
): Promise<T> {
  if (!observer) return call()
  const started = process.hrtime.bigint()
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9
  try {
    const result = await call()
    observer.observe(dependency, operation, seconds(), false)
    return result
  } catch (error) {
    observer.observe(dependency, operation, seconds(), timedOut(error))
    throw error
  }
}
