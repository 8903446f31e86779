import { openAsBlob } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import cliProgress from 'cli-progress'
import { createUploader, fetchPut, HoistUploadError, memoryResumeStore, type UploadView } from '@hoist/web-client'
import { MEDIA_TYPES } from '../../uploads/media-types.js'
import { defineCommand, UsageError, wholeNumber } from '../command.js'
import { readDevEnv } from '../dev-env.js'
import { callerPath } from '../caller-dir.js'

const HELP = `Uploads files through the Hoist API, as the browser client does: presign, PUT straight to the bucket
(multipart above the API's threshold), confirm. Prints "<file> → <url>" for each file as it is confirmed, with a
progress bar on a terminal; exit code 1 if any file failed.

  --api-url <url>        the Hoist API (default: HOIST_API_URL, else API_URL in .hoist/dev.env)
  --token <jwt>          a bearer token your app issued (default: HOIST_TOKEN, which keeps it out of the process
                         list). This command mints no token: for the dev stack, \`npm run token -- --sub me
                         --workspace w1\` prints one.
  --metadata <key=value> metadata for every file (repeat for each key), e.g. --metadata stepId=s1
  --content-type <type>  the type of every file (default: from each file's extension)
  --concurrency <n>      files at once (default: 2)
  --json                 one JSON line per file: the confirmed record with "file", or { "file", "error" }`

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

function parseMetadata(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined
  return Object.fromEntries(
    pairs.map((pair) => {
      const equals = pair.indexOf('=')
      if (equals < 1) throw new UsageError(`--metadata takes key=value, not ${pair}`)
      return [pair.slice(0, equals), pair.slice(equals + 1)]
    }),
  )
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

export default defineCommand({
  usage:
    'upload <files…> [--metadata key=value …] [--json] [--concurrency N] [--content-type T] [--api-url U] [--token T]',
  help: HELP,
  positionals: true,
  options: {
    'api-url': { type: 'string' },
    token: { type: 'string' },
    metadata: { type: 'string', multiple: true, default: [] },
    'content-type': { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals: files }) {
    if (files.length === 0) throw new UsageError('name at least one file to upload')
    const metadata = parseMetadata(values.metadata)
    const concurrency = wholeNumber(values.concurrency, 'concurrency')
    const apiUrl = values['api-url'] ?? process.env.HOIST_API_URL ?? readDevEnv()?.API_URL
    if (!apiUrl) throw new UsageError('no API to upload to: --api-url <url>, or set HOIST_API_URL')
    const token = values.token ?? process.env.HOIST_TOKEN
    if (!token) throw new UsageError('no token: set HOIST_TOKEN (or --token) to a bearer token your app issued')

    const uploader = createUploader({
      apiUrl,
      getToken: () => token,
      transport: fetchPut,
      resumeStore: memoryResumeStore(),
    })
    const report = reporter(!values.json && Boolean(process.stdout.isTTY && process.stderr.isTTY))
    const outcomes: Outcome[] = []
    const uploadOne = async (file: string, progress: FileReport): Promise<Outcome> => {
      try {
        const contentType = values['content-type'] ?? contentTypeOf(file)
        // openAsBlob names a missing file only as an invalid argument: stat says ENOENT.
        if (!(await stat(callerPath(file))).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' })
        const blob = await openAsBlob(callerPath(file), { type: contentType })
        const record = await uploader.upload(blob, {
          filename: basename(file),
          contentType,
          ...(metadata ? { metadata } : {}),
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
        if (values.json) console.log(JSON.stringify(failed ? outcome : { file, ...outcome.record }))
        else if (failed) fileReport.done(`${file}: ${outcome.error.code}: ${outcome.error.message}`, true)
        else fileReport.done(`${file} → ${outcome.record.url ?? outcome.record.id}`, false)
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker))
    } finally {
      report.stop()
    }
    return outcomes.some((outcome) => 'error' in outcome) ? 1 : 0
  },
})
