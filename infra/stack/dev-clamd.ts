/** `SCAN=clamav npm run dev`: a clamd of the dev stack's own (installed when missing), unless CLAMD_HOST names one. */
import { ensureCommand } from '../system/debian.js'
import { startNativeClamd, type StartedClamd } from './clamd.js'

export async function devClamd(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<StartedClamd | undefined> {
  if (env.SCAN !== 'clamav' || env.CLAMD_HOST) return undefined
  const binary = ensureCommand('clamd', 'clamav-daemon', log)
  if (!binary)
    throw new Error("SCAN=clamav needs clamd: install Debian's clamav-daemon (apt-get install clamav-daemon)")
  return startNativeClamd(binary)
}
