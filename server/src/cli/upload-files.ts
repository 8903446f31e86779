/** `hoist upload`'s work: each file through the API as the browser client sends it, a line (or JSON) per outcome. */
import { openAsBlob } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import cliProgress from 'cli-progress'
import { createUploader, HoistUploadError, memoryResumeStore, type UploadView } from '@hoist/web-client'
import { nodePut } from '@hoist/web-client/node'
import { MEDIA_TYPES } from '../uploads/media-types.js'
import { callerPath } from './caller-dir.js'

/** The allow-listed types by extension, and a few common others so the API's refusal names the real type. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  ...Object.fromEntries(MEDIA_TYPES.map((type) => [type.extension, type.contentType])),
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  m4v: 'video/mp4',
  txt: 'text/plain',
  pdf: 'application/pdf',
  svg: 'image/svg+xml',
  heic: 'image/heic',
}

function contentTypeOf(path: string): string {
  return TYPE_BY_EXTENSION[extname(path).slice(1).toLowerCase()] ?? 'application/octet-stream'
}

type Outcome = { file: string; record: UploadView } | { file: string; error: { code: string; message: string } }

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof HoistUploadError) return { code: error.code, message: error.message }
  const { code, message } = error as NodeJS.ErrnoException
  return { code: code ?? 'ERROR', message }
}

interface FileReport {
  progress(loaded: number): void
  /** The file's result line; its bar goes away. */
  done(line: string, failed: boolean): void
}

/** A bar per file in flight on a terminal, result lines printed above them; only the result lines otherwise. */
function reporter(terminal: boolean): { file(name: string, size: number): FileReport; stop(): void } {
  const print = (line: string, failed: boolean): void => (failed ? console.error : console.log)(line)
  if (!terminal) return { file: () => ({ progress: () => undefined, done: print }), stop: () => undefined }
  const bars = new cliProgress.MultiBar(
    { format: '{file} [{bar}] {percentage}%', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  )
  return {
    file(name, size) {
      const bar = bars.create(Math.max(size, 1), 0, { file: name })
      return {
        progress: (loaded) => bar.update(loaded),
        done(line) {
          bars.remove(bar)
          bars.log(`${line}\n`)
          bars.update() // writes the line now: stop() drops what is still buffered
        },
      }
    },
    stop: () => bars.stop(),
  }
}

export interface UploadFilesOptions {
  apiUrl: string
  token: string
  concurrency: number
  /** One JSON line per file instead of lines and progress bars. */
  json: boolean
  metadata?: Record<string, string>
  /** The type of every file; from each file's extension when absent. */
  contentType?: string
  /** Upload with visibility 'private': no public URL. */
  private?: boolean
}

/** Uploads `files`, `concurrency` at a time; the exit code: 1 if any failed. */
export async function uploadFiles(files: string[], options: UploadFilesOptions): Promise<number> {
  const uploader = createUploader({
    apiUrl: options.apiUrl,
    getToken: () => options.token,
    transport: nodePut,
    resumeStore: memoryResumeStore(),
  })
  const report = reporter(!options.json && Boolean(process.stdout.isTTY && process.stderr.isTTY))
  const outcomes: Outcome[] = []
  const uploadOne = async (file: string, progress: FileReport): Promise<Outcome> => {
    try {
      const contentType = options.contentType ?? contentTypeOf(file)
      // openAsBlob names a missing file only as an invalid argument: stat says ENOENT.
      if (!(await stat(callerPath(file))).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
      const blob = await openAsBlob(callerPath(file), { type: contentType })
      const record = await uploader.upload(blob, {
        filename: basename(file),
        contentType,
        ...(options.metadata ? { metadata: options.metadata } : {}),
        ...(options.private ? { visibility: 'private' as const } : {}),
        onProgress: ({ loaded, total }) => progress.progress(total === 0 ? 1 : loaded),
      })
      return { file, record }
    } catch (error) {
      return { file, error: describe(error) }
    }
  }

  const queue = [...files]
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const size = await stat(callerPath(file)).then(
        (info) => info.size,
        () => 0,
      )
      const fileReport = report.file(basename(file), size)
      const outcome = await uploadOne(file, fileReport)
      outcomes.push(outcome)
      const failed = 'error' in outcome
      if (options.json) console.log(JSON.stringify(failed ? outcome : { file, ...outcome.record }))
      else if (failed) fileReport.done(`${file}: ${outcome.error.code}: ${outcome.error.message}`, true)
      else fileReport.done(`${file} → ${outcome.record.url ?? outcome.record.id}`, false)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, worker))
  } finally {
    report.stop()
  }
  return outcomes.some((outcome) => 'error' in outcome) ? 1 : 0
}
