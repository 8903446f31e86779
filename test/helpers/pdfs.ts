/**
 * PDFs written by hand for the tests: each object at the offset its cross-reference table gives, so PDFium reads
 * them as valid files (no repair). A page is a blue and a red rectangle on white.
 */
const RECTANGLES = '0 0 1 rg 72 72 200 300 re f 1 0 0 rg 300 400 200 200 re f'

/** A PDF of numbered objects (object n at index n; index 0 unused), catalog first. */
function pdfOf(objects: string[]): Buffer {
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'
  const offsets: number[] = []
  for (let n = 1; n < objects.length; n++) {
    offsets[n] = out.length
    out += `${n} 0 obj\n${objects[n]}\nendobj\n`
  }
  const xref = out.length
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`
  out += offsets
    .slice(1)
    .map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`)
    .join('')
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

const stream = (dictionary: string, body: string): string =>
  `<< ${dictionary} /Length ${Buffer.byteLength(body, 'latin1')} >>\nstream\n${body}\nendstream`

/** `pages` pages of `width` × `height` points (a US Letter page by default), all drawing the same rectangles. */
export function simplePdf(options: { pages?: number; width?: number; height?: number } = {}): Buffer {
  const { pages = 1, width = 612, height = 792 } = options
  const objects = ['', '<< /Type /Catalog /Pages 2 0 R >>']
  const kids = Array.from({ length: pages }, (_, index) => `${4 + index} 0 R`).join(' ')
  objects[2] = `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`
  objects[3] = stream('', RECTANGLES)
  for (let index = 0; index < pages; index++)
    objects[4 + index] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Contents 3 0 R >>`
  return pdfOf(objects)
}

/**
 * A letter page that draws form 1, which draws form 2 twice, … down to `levels` forms deep: 2^levels rectangles from
 * a file of a few KB, a rendering that never ends in practice (the "billion laughs" of PDF).
 */
export function nestedFormsPdf(levels: number): Buffer {
  const objects = [
    '',
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /F 5 0 R >> >> >>',
    stream('', '/F Do'),
  ]
  for (let level = 0; level < levels; level++) {
    const inner = level + 1 < levels ? `/Resources << /XObject << /F ${6 + level} 0 R >> >>` : ''
    const body = level + 1 < levels ? '/F Do 0.5 0 0 0.5 10 10 cm /F Do' : RECTANGLES
    objects.push(stream(`/Type /XObject /Subtype /Form /BBox [0 0 612 792] ${inner}`, body))
  }
  return pdfOf(objects)
}
