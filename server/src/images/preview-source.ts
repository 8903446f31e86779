/**
 * What the image worker makes variants of, by the upload's kind: an image itself; a PDF's first page rendered
 * (pdf-first-page.ts); a video's poster frame (video-poster.ts). Everything after — variants, placeholder, record,
 * event — is the same for all three.
 */
import type { ObjectStore, DerivedObjects } from '../storage/object-store.js'
import type { UploadRecord } from '../uploads/record.js'
import { renderPdfFirstPage, type PdfPreviewLimits } from './pdf-first-page.js'
import { videoPosterFrame, type VideoPosterOptions } from './video-poster.js'

export interface PreviewOptions {
  /** Originals larger than these are not read (the API's size limits). */
  maxImageBytes: number
  maxDocumentBytes: number
  pdf: Omit<PdfPreviewLimits, 'timeoutMs'>
  video: Omit<VideoPosterOptions, 'timeoutMs'>
}

/** The image to make variants of; `missing` when the original is not in the bucket; `none` when no preview can be made. */
export async function previewSource(
  store: ObjectStore & DerivedObjects,
  record: UploadRecord,
  options: PreviewOptions,
  timeoutMs: number,
): Promise<Buffer | 'missing' | 'none'> {
  if (record.kind === 'image') return (await store.readObject(record.key, options.maxImageBytes)) ?? 'missing'
  if (record.kind === 'document') {
    const pdf = await store.readObject(record.key, options.maxDocumentBytes)
    return pdf ? renderPdfFirstPage(pdf, { ...options.pdf, timeoutMs }) : 'missing'
  }
  if (record.kind === 'video') {
    if (!(await store.head(record.key))) return 'missing'
    // Long enough for ffmpeg's whole budget; ffmpeg reads the ranges it needs, never the whole file.
    const { url } = await store.presignGet({ key: record.key, expiresInSeconds: Math.ceil(timeoutMs / 1000) + 60 })
    return (await videoPosterFrame(url, record.contentType, { ...options.video, timeoutMs })) ?? 'none'
  }
  return 'none'
}
