// A Node.js program written against the installed packages: uploads a file with nodePut, then tries a refused type.
import { openAsBlob } from 'node:fs'
import { ERRORS } from '@hoist/protocol'
import { createUploader, HoistUploadError, memoryResumeStore, type UploadView } from '@hoist/web-client'
import { nodePut } from '@hoist/web-client/node'

const [apiUrl, token, path] = process.argv.slice(2)
if (!apiUrl || !token || !path) throw new Error('usage: node-upload <api-url> <token> <png>')

const uploader = createUploader({
  apiUrl,
  getToken: () => token,
  transport: nodePut,
  resumeStore: memoryResumeStore(),
})
const fractions: number[] = []
const record: UploadView = await uploader.upload(await openAsBlob(path, { type: 'image/png' }), {
  filename: 'from-the-tarball.png',
  metadata: { via: 'tarball' },
  onProgress: ({ fraction }) => fractions.push(fraction),
})

let refused: { code: string; status: number | undefined; documented: number } | undefined
try {
  await uploader.upload(new Blob(['hello'], { type: 'text/plain' }), { filename: 'notes.txt' })
} catch (error) {
  if (!(error instanceof HoistUploadError)) throw error
  refused = { code: error.code, status: error.status, documented: ERRORS.CONTENT_TYPE_NOT_ALLOWED.status }
}
console.log(JSON.stringify({ record, lastFraction: fractions.at(-1), refused }))
