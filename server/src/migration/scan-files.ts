import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** A regular file of the legacy uploads directory, as the scan found it (not opened yet). */
export interface ScannedFile {
  /** Relative to the uploads directory, `/`-separated, NFC-normalised: how URLs name it. */
  path: string
  /** The same, as the directory spells it: macOS writes names decomposed (NFD), and that is what opens. */
  diskPath: string
  size: number
  /** Device and inode the scan saw: the file opened for upload must be this one. */
  dev: number
  ino: number
}

/**
 * Every regular file under `root`, in a stable order. Symbolic links are not followed: the tool reads the uploads
 * directory and nothing else. Nothing is read here; each file is opened once, later, to hash and upload it.
 */
export async function scanFiles(root: string): Promise<ScannedFile[]> {
  const found: ScannedFile[] = []
  const walk = async (relativeDir: string[]): Promise<void> => {
    const names = (await readdir(join(root, ...relativeDir))).sort()
    for (const name of names) {
      const parts = [...relativeDir, name]
      const stat = await lstat(join(root, ...parts))
      if (stat.isDirectory()) await walk(parts)
      else if (stat.isFile()) {
        const diskPath = parts.join('/')
        found.push({ path: diskPath.normalize('NFC'), diskPath, size: stat.size, dev: stat.dev, ino: stat.ino })
      }
    }
  }
  await walk([])
  return found
}
