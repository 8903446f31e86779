/**
 * PDFs at presign and confirm (control 42), on the in-memory ledger and store: their own size limit
 * (MAX_DOCUMENT_BYTES), a `%PDF-` header with no web page behind it, and an `%%EOF` in the last KiB — a truncated
 * upload is rejected like a file of the wrong type.
 */
import t from 'tap'
import { fileOf } from '../../helpers/fixtures.js'
import { alice, memoryServices, type MemoryServices } from '../../doubles/services.js'

const pdfOf = (body: string): Buffer => Buffer.from(body, 'latin1')
const GOOD = pdfOf(`%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<< >>\nendobj\n${'x'.repeat(5000)}\ntrailer\n<< >>\n%%EOF\n`)

async function uploaded(services: MemoryServices, bytes: Buffer) {
  const created = await services.uploads.create(alice, {
    filename: 'doc.pdf',
    contentType: 'application/pdf',
    size: bytes.length,
  })
  await services.store.putObject(created.key, bytes, 'application/pdf')
  return created
}

t.test('a PDF with its header and trailer is confirmed as a document under a .pdf key', async (t) => {
  const services = memoryServices()
  const created = await uploaded(services, GOOD)
  t.match(created.key, /\.pdf$/)
  const view = await services.confirmer.confirm(alice, created.id)
  t.same([view.status, view.kind], ['confirmed', 'document'])
  const written = await uploaded(services, fileOf('application/pdf', 3000))
  t.equal((await services.confirmer.confirm(alice, written.id)).status, 'confirmed', 'the fixtures make valid ones')
})

t.test('a truncated PDF (no %%EOF in its last KiB) is rejected', async (t) => {
  const services = memoryServices()
  const created = await uploaded(services, GOOD.subarray(0, GOOD.length - 20))
  await t.rejects(services.confirmer.confirm(alice, created.id), {
    code: 'UPLOAD_REJECTED',
    message: /does not end like application\/pdf/,
  })
  const early = await uploaded(services, pdfOf(`%PDF-1.4\n%%EOF\n${'y'.repeat(3000)}`))
  await t.rejects(services.confirmer.confirm(alice, early.id), { code: 'UPLOAD_REJECTED' }, 'an %%EOF far from the end')
})

t.test('a PDF header with a web page behind it, or anything before the header, is rejected', async (t) => {
  const services = memoryServices()
  for (const body of [
    `%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n`,
    ` %PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n`,
    `%PDF-9.9\n1 0 obj << >> endobj\n%%EOF\n`,
  ]) {
    const created = await uploaded(services, pdfOf(body))
    await t.rejects(
      services.confirmer.confirm(alice, created.id),
      { code: 'UPLOAD_REJECTED', message: /content is not application\/pdf/ },
      JSON.stringify(body.slice(0, 12)),
    )
  }
})

t.test('PDFs have their own size limit: MAX_DOCUMENT_BYTES', async (t) => {
  const services = memoryServices({ config: { maxDocumentBytes: 4000, maxImageBytes: 100_000 } })
  await t.rejects(services.uploads.create(alice, { filename: 'big.pdf', contentType: 'application/pdf', size: 4001 }), {
    code: 'FILE_TOO_LARGE',
    statusCode: 413,
  })
  const image = await services.uploads.create(alice, { filename: 'a.png', contentType: 'image/png', size: 4001 })
  t.ok(image.id, 'an image of that size is still fine')
})
