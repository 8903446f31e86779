/**
 * The preview renderers' bounds, without the stack (controls 42 and 42a): the PDF renderer is killed when its time
 * budget runs out and fails cleanly at its memory ceiling; a broken PDF is refused with PDFium's reason; ffmpeg gets
 * its address-space ceiling and a missing ffmpeg means no poster rather than an error.
 */
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { ImageRejected } from '../../../server/src/images/make-variants.js'
import { renderPdfFirstPage, type PdfPreviewLimits } from '../../../server/src/images/pdf-first-page.js'
import { videoPosterFrame } from '../../../server/src/images/video-poster.js'
import { nestedFormsPdf, simplePdf } from '../../helpers/pdfs.js'

const MiB = 1024 * 1024
const limits: PdfPreviewLimits = { maxPages: 100, width: 320, memoryBytes: 512 * MiB, timeoutMs: 30_000 }

t.test('a PDF whose page takes longer than the budget: the renderer is killed, a clear rejection', async (t) => {
  // 2^18 nested drawings from a 4 KB file: PDFium would spend many seconds on them, its heap growing ~400 MB a
  // second on this machine — so the ceiling here is high enough that the clock, not the memory, ends it.
  const bomb = nestedFormsPdf(18)
  const started = Date.now()
  await t.rejects(renderPdfFirstPage(bomb, { ...limits, memoryBytes: 2048 * MiB, timeoutMs: 1000 }), {
    name: 'ImageRejected',
    message: /took longer than 1 s/,
  })
  t.ok(Date.now() - started < 3000, `given up on at once (${Date.now() - started} ms)`)
})

t.test('a PDF that needs more memory than the ceiling fails inside PDFium, cleanly', async (t) => {
  // 100,000 pages: PDFium's page tree needs ~40 MB of heap beside the 10 MB file, and the page 19 MB more.
  await t.rejects(
    renderPdfFirstPage(simplePdf({ pages: 100_000 }), {
      ...limits,
      maxPages: 200_000,
      width: 1920,
      memoryBytes: 24 * MiB,
    }),
    { name: 'ImageRejected', message: /more memory than PREVIEW_MEMORY_MB/ },
  )
})

t.test('a broken PDF is refused with the reason; a good one renders at the widest variant', async (t) => {
  await t.rejects(renderPdfFirstPage(Buffer.from('%PDF-1.7\ngarbage\n%%EOF\n'), limits), {
    name: 'ImageRejected',
    message: /could not be read \(File not in PDF format or corrupted\)/,
  })
  const sharp = (await import('sharp')).default
  const metadata = await sharp(await renderPdfFirstPage(simplePdf({ width: 400, height: 200 }), limits)).metadata()
  t.same([metadata.format, metadata.width, metadata.height], ['png', 320, 160])
})

const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0
t.test(
  'ffmpeg: missing means no poster; its address space has the ceiling',
  { skip: !ffmpeg && 'no ffmpeg' },
  async (t) => {
    const options = { ffmpegPath: '/nonexistent/ffmpeg', memoryBytes: 1024 * MiB, timeoutMs: 10_000 }
    t.equal(await videoPosterFrame('http://127.0.0.1:9/v.mp4', 'video/mp4', options), undefined, 'no ffmpeg: no poster')
    // Far too little to even load ffmpeg's libraries: the ceiling is applied (and reported as the video's failure).
    await t.rejects(
      videoPosterFrame('http://127.0.0.1:9/v.mp4', 'video/mp4', {
        ...options,
        ffmpegPath: 'ffmpeg',
        memoryBytes: 16 * MiB,
      }),
      ImageRejected,
    )
  },
)
