import { defineCommand, UsageError, wholeNumber } from '../command.js'
import { readDevEnv } from '../dev-env.js'

const HELP = `Uploads files through the Hoist API, as the browser client does: presign, PUT straight to the bucket
(multipart above the API's threshold), confirm. Prints "<file> → <url>" for each file as it is confirmed, with a
progress bar on a terminal; exit code 1 if any file failed.

  --api-url <url>        the Hoist API (default: HOIST_API_URL, else API_URL in .hoist/dev.env)
  --token <jwt>          a bearer token your app issued (default: HOIST_TOKEN, which keeps it out of the process
                         list). This command mints no token: for the dev stack, \`npm run token -- --sub me
                         --workspace w1\` prints one.
  --metadata <key=value> metadata for every file (repeat for each key), e.g. --metadata stepId=s1
  --content-type <type>  the type of every file (default: from each file's extension)
  --private              private files: stored under the bucket's private folder, no public URL; the line
                         shows the record's id (the app hands out short-lived URLs to them)
  --concurrency <n>      files at once (default: 2)
  --json                 one JSON line per file: the confirmed record with "file", or { "file", "error" }`

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

export default defineCommand({
  usage:
    'upload <files…> [--metadata key=value …] [--private] [--json] [--concurrency N] [--content-type T] [--api-url U] [--token T]',
  help: HELP,
  positionals: true,
  options: {
    'api-url': { type: 'string' },
    token: { type: 'string' },
    metadata: { type: 'string', multiple: true, default: [] },
    'content-type': { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    private: { type: 'boolean', default: false },
  },
  async run({ values, positionals: files }) {
    if (files.length === 0) throw new UsageError('name at least one file to upload')
    const metadata = parseMetadata(values.metadata)
    const concurrency = wholeNumber(values.concurrency, 'concurrency')
    const apiUrl = values['api-url'] ?? process.env.HOIST_API_URL ?? readDevEnv()?.API_URL
    if (!apiUrl) throw new UsageError('no API to upload to: --api-url <url>, or set HOIST_API_URL')
    const token = values.token ?? process.env.HOIST_TOKEN
    if (!token) throw new UsageError('no token: set HOIST_TOKEN (or --token) to a bearer token your app issued')

    const { uploadFiles } = await import('../upload-files.js')
    return uploadFiles(files, {
      apiUrl,
      token,
      concurrency,
      json: values.json,
      private: values.private,
      ...(metadata ? { metadata } : {}),
      ...(values['content-type'] ? { contentType: values['content-type'] } : {}),
    })
  },
})
