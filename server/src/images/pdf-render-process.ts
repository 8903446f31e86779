/**
 * The PDF renderer's own process (forked by pdf-first-page.ts for one document, then gone): PDFium compiled to
 * WebAssembly renders the first page to RGBA pixels. Apart from the worker so that a hostile file cannot hold the
 * worker's event loop (WASM runs to completion: only killing the process stops it) and so that its memory is returned
 * whole when it exits. Its WASM heap may not grow past the ceiling it is given: an allocation past it fails inside
 * PDFium, which then gives up on the file.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { PDFiumLibrary } from '@hyzyla/pdfium'

export interface PdfRenderRequest {
  pdf: Uint8Array
  /** Documents with more pages are refused (only the first is rendered, but PDFium reads the whole page tree). */
  maxPages: number
  /** A page larger than this on either side, in points, is refused before anything is rendered. */
  maxPagePoints: number
  /** The rendering's width at most (the widest variant), and its longer side at most `maxSide` pixels. */
  maxWidth: number
  maxSide: number
  /** The ceiling of the WASM heap, the PDF itself included. */
  memoryBytes: number
}

export type PdfRenderAnswer =
  { ok: true; width: number; height: number; rgba: Uint8Array } | { ok: false; error: string }

type ResizeHeap = (requestedBytes: number) => boolean
type Imports = Record<string, Record<string, unknown>>
/** The part of the WebAssembly global used here (Node's types leave it out without the DOM library). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: { instantiate(bytes: Buffer, imports: Imports): Promise<{ instance: object }> }
  }
).WebAssembly

/** Emscripten grows the heap through the `emscripten_resize_heap` import: refusing past the ceiling bounds it. */
function cappedInstantiation(wasm: Buffer, memoryBytes: number) {
  return (imports: Imports, done: (instance: object) => void): object => {
    const grow = imports.env!.emscripten_resize_heap as ResizeHeap
    const env = { ...imports.env, emscripten_resize_heap: (bytes: number) => bytes >>> 0 <= memoryBytes && grow(bytes) }
    void wasmApi
      .instantiate(wasm, { ...imports, env, wasi_snapshot_preview1: env })
      .then((result) => done(result.instance))
    return {}
  }
}

async function render(request: PdfRenderRequest): Promise<PdfRenderAnswer> {
  // The wrapper copies the file into the heap unchecked: it must fit with room to spare for the page.
  if (request.pdf.length > request.memoryBytes / 2)
    throw new Error('the PDF is larger than half of PREVIEW_MEMORY_MB, the renderer could not hold it')
  const wasm = await readFile(createRequire(import.meta.url).resolve('@hyzyla/pdfium/pdfium.wasm'))
  const library = await PDFiumLibrary.init({
    instantiateWasm: cappedInstantiation(wasm, request.memoryBytes) as never,
  })
  const document = await library.loadDocument(request.pdf).catch((error: unknown) => {
    throw new Error(`the PDF could not be read (${(error as Error).message})`)
  })
  const pages = document.getPageCount()
  if (pages < 1) throw new Error('the PDF has no pages (or a page tree PDFium refuses)')
  if (pages > request.maxPages)
    throw new Error(`the PDF has ${pages} pages, more than PDF_MAX_PAGES (${request.maxPages})`)
  const page = document.getPage(0)
  const { originalWidth: width, originalHeight: height } = page.getOriginalSize()
  if (!(width >= 1 && height >= 1)) throw new Error('the first page has no size')
  if (width > request.maxPagePoints || height > request.maxPagePoints) {
    throw new Error(
      `the first page is ${Math.round(width)} × ${Math.round(height)} pt, larger than ${request.maxPagePoints} pt on a side`,
    )
  }
  const scale = Math.min(request.maxWidth / width, request.maxSide / Math.max(width, height))
  const size = { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
  const rendered = await page.render({ ...size, scale: 1, render: 'bitmap', colorSpace: 'BGRA' })
  // BGRA with PDFium's reverse-byte-order flag (which the wrapper sets): the bytes are RGBA.
  return { ok: true, width: rendered.width, height: rendered.height, rgba: rendered.data }
}

process.once('message', (request: PdfRenderRequest) => {
  void render(request)
    .catch((error: unknown): PdfRenderAnswer => ({ ok: false, error: (error as Error).message ?? String(error) }))
    .then((answer) => process.send!(answer, () => process.exit(0)))
})
