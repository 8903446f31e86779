import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ServerDataOptions {
  /** Keep data here across runs (dev); absent: a temp dir removed on dispose (tests). */
  persistDir?: string
}

export function dataDirFor(prefix: string, options: ServerDataOptions): { dir: string; remove: () => Promise<void> } {
  if (options.persistDir) {
    mkdirSync(options.persistDir, { recursive: true })
    return { dir: options.persistDir, remove: async () => undefined }
  }
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: async () => rmSync(dir, { recursive: true, force: true }) }
}
