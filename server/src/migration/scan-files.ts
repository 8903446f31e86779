import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'

/** One file of the legacy uploads directory, as the backup manifest records it. */
export interface ManifestEntry {
  /** Relative to the uploads directory, with `/` separators, NFC-normalised (how URLs name it). */
  path: string
  size: number
  sha256: string
}

export async function sha256OfFile(file: string): Promise<{ hex: string; base64: string }> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  const digest = hash.digest()
  return { hex: digest.toString('hex'), base64: digest.toString('base64') }
}

/**
 * Every regular file under `root`, hashed as a stream (files may be videos of gigabytes). Symbolic links are not
 * followed: the tool reads the uploads directory and nothing else.
 */
export async function scanFiles(root: string, onFile?: (entry: ManifestEntry) => void): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = []
  const walk = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort()
    for (const name of names) {
      const full = join(dir, name)
      const stat = await lstat(full)
      if (stat.isDirectory()) await walk(full)
      else if (stat.isFile()) {
        const entry = {
          path: relative(root, full).split(sep).join('/').normalize('NFC'),
          size: stat.size,
          sha256: (await sha256OfFile(full)).hex,
        }
        entries.push(entry)
        onFile?.(entry)
      }
    }
  }
  await walk(root)
  return entries
}
