/**
 * A PDF's first page as a PNG, for the image worker to make variants of like any image (control 42). Rendered by
 * PDFium (WebAssembly from npm: nothing native to install) in a process of its own (pdf-render-process.ts) that is
 * killed when the time budget runs out, whose WASM heap and JS heap have ceilings, and which refuses a document with
 * too many pages or a first page larger than a PDF may be (14,400 pt, 200 inches, on a side) before rendering it.
 * What the file itself is to blame for is ImageRejected: a processingError, never a retry.
 */
import { fork } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { ImageRejected } from './make-variants.js'
import type { PdfRenderAnswer, PdfRenderRequest } from './pdf-render-process.js'

export interface PdfPreviewLimits {
  maxPages: number
  /** The rendering's width: the widest variant. */
  width: number
  /** Ceiling of the renderer's WASM heap. */
  memoryBytes: number
  timeoutMs: number
}

/** ISO 32000's largest page (Acrobat's limit too): larger is a bomb, not a document. */
const MAX_PAGE_POINTS = 14_400
/** The rendering's longer side at most: a page 10 pt wide and 14,400 pt tall is not rendered 1920 px wide. */
const MAX_SIDE_PIXELS = 4096
/** The renderer's JavaScript heap (the PDF's bytes and its pixels are outside it, in the WASM heap). */
const JS_HEAP_MB = 128

// The renderer beside this file: .ts when run from source, loaded with tsx (as `npm run dev` and the tests run the
// rest), .js once built. Not the parent's own loaders: a test runner's would cost seconds per document.
const EXTENSION = extname(fileURLToPath(import.meta.url))
const RENDERER = fileURLToPath(new URL(`./pdf-render-process${EXTENSION}`, import.meta.url))
const LOADER = EXTENSION === '.ts' ? ['--import', 'tsx'] : []

export async function renderPdfFirstPage(pdf: Buffer, limits: PdfPreviewLimits): Promise<Buffer> {
  const { width, height, rgba } = await renderInChild(
    {
      pdf,
      maxPages: limits.maxPages,
      maxPagePoints: MAX_PAGE_POINTS,
      maxWidth: limits.width,
      maxSide: MAX_SIDE_PIXELS,
      memoryBytes: limits.memoryBytes,
    },
    limits.timeoutMs,
  )
  // Fast, uncompressed: makeVariants decodes it at once.
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 0 })
    .toBuffer()
}

function renderInChild(
  request: PdfRenderRequest,
  timeoutMs: number,
): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const child = fork(RENDERER, [], {
      serialization: 'advanced',
      execArgv: [...LOADER, `--max-old-space-size=${JS_HEAP_MB}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-500)
    })
    let answer: PdfRenderAnswer | undefined
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new ImageRejected(`rendering the first page took longer than ${timeoutMs / 1000} s (IMAGE_TIMEOUT_SECONDS)`),
      )
    }, timeoutMs)
    child.on('message', (message: PdfRenderAnswer) => {
      answer = message
    })
    // Could not start at all (out of processes, memory): not the file's fault, the job is retried.
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (answer?.ok) resolve(answer)
      else if (answer) reject(new ImageRejected(describe(answer.error)))
      else reject(new ImageRejected(`the PDF renderer died (${signal ?? `exit ${code}`}): ${stderr.trim()}`))
    })
    child.send(request)
  })
}

/** An allocation that failed inside PDFium is the memory ceiling at work. */
function describe(error: string): string {
  return /allocate|out of memory|OOM/i.test(error)
    ? `rendering the first page needs more memory than PREVIEW_MEMORY_MB allows (${error})`
    : error
}
