/**
 * Responsive images from an upload record: `srcset`/`sizes` per format, a `<picture>` that offers AVIF, then WebP,
 * then the original, and the thumbhash placeholder as a data URL to show until the chosen variant has loaded.
 * Works on any record — before the image worker has made variants, the original is all there is — and on PDFs and
 * videos, whose variants are a preview of their first page or poster frame.
 */
import type { ImageVariant, UploadView } from '@hoist/protocol'
import { thumbHashToDataURL } from 'thumbhash'

export interface ResponsiveOptions {
  /** The `sizes` attribute: how wide the image is shown, e.g. `(max-width: 600px) 100vw, 300px`. Default `100vw`. */
  sizes?: string
  alt?: string
}

export interface ImageSource {
  type: string
  srcset: string
  sizes: string
}

/** One `<source>` per variant format, best compression first. */
export function imageSources(record: UploadView, options: ResponsiveOptions = {}): ImageSource[] {
  const byFormat = new Map<string, ImageVariant[]>()
  // A private upload's variants have no URL (each is read through a short-lived download URL): none is offered.
  for (const variant of record.variants ?? []) {
    if (variant.url === undefined) continue
    byFormat.set(variant.format, [...(byFormat.get(variant.format) ?? []), variant])
  }
  return ['avif', 'webp']
    .filter((format) => byFormat.has(format))
    .map((format) => ({
      type: `image/${format}`,
      srcset: byFormat
        .get(format)!
        .sort((a, b) => a.width - b.width)
        .map((variant) => `${variant.url} ${variant.width}w`)
        .join(', '),
      sizes: options.sizes ?? '100vw',
    }))
}

/**
 * What the `<img>` falls back to: an image's original; for a PDF or a video (the worker's variants are a preview of
 * their first page or poster frame: the original is no image) its widest WebP variant, or nothing before it exists.
 */
export function fallbackUrl(record: UploadView): string | undefined {
  if (record.kind === 'image') return record.url
  const webp = (record.variants ?? []).filter((variant) => variant.format === 'webp')
  return webp.sort((a, b) => b.width - a.width)[0]?.url
}

/** The blurred preview as a data URL (a tiny PNG), or undefined before the image worker ran. */
export function placeholderDataUrl(record: UploadView): string | undefined {
  if (!record.image?.placeholder) return undefined
  const bytes = Uint8Array.from(atob(record.image.placeholder), (char) => char.charCodeAt(0))
  return thumbHashToDataURL(bytes)
}
