import { PDFiumLibrary } from '@hyzyla/pdfium'
function pdfOf(objects: string[]): Buffer {
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = out.length
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`
  }
  const xref = out.length
  out +=
    `xref\n0 ${objects.length}\n0000000000 65535 f \n` +
    offsets
      .slice(1)
      .map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)
      .join('')
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}
// A DAG page tree: level k's node has two kids, both level k-1: 2^levels pages from levels+3 objects.
function dagBomb(levels: number): Buffer {
  const o: string[] = []
  o[1] = '<< /Type /Catalog /Pages 2 0 R >>'
  for (let k = levels; k >= 1; k--) {
    const n = 2 + (levels - k)
    o[n] = `<< /Type /Pages /Kids [${n + 1} 0 R ${n + 1} 0 R] /Count ${2 ** k} >>`
  }
  const leaf = 2 + levels
  o[leaf] = `<< /Type /Page /MediaBox [0 0 612 792] >>`
  return pdfOf(o)
}
function flat(pages: number): Buffer {
  const o: string[] = []
  o[1] = '<< /Type /Catalog /Pages 2 0 R >>'
  o[2] = `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${3 + i} 0 R`).join(' ')}] /Count ${pages} >>`
  for (let i = 0; i < pages; i++) o[3 + i] = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>'
  return pdfOf(o)
}
const lib = await PDFiumLibrary.init()
for (const [name, pdf] of [
  ['dag30', dagBomb(30)],
  ['flat10k', flat(10000)],
  ['flat100k', flat(100000)],
  [
    'lying',
    pdfOf([
      '',
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>',
      '<< /Type /Page /MediaBox [0 0 612 792] >>',
    ]),
  ],
] as const) {
  const t = Date.now()
  const doc = await lib.loadDocument(pdf)
  const t1 = Date.now()
  const count = doc.getPageCount()
  console.log(name, pdf.length, 'load', t1 - t, 'count', count, Date.now() - t1)
  try {
    const p = doc.getPage(0)
    console.log('page0', p.getOriginalSize(), Date.now() - t1)
  } catch (e) {
    console.log('page0 err', (e as Error).message)
  }
  doc.destroy()
}
