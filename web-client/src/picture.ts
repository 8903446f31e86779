/**
 * Responsive images from an upload record: `srcset`/`sizes` per format, a `<picture>` that offers AVIF, then WebP,
 * then the original, and the thumbhash placeholder as a data URL to show until the chosen variant has loaded.
 * Works on any record — before the image worker has made variants, the original is all there is.
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
  for (const variant of record.variants ?? [])
    byFormat.set(variant.format, [...(byFormat.get(variant.format) ?? []), variant])
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

/** The blurred preview as a data URL (a tiny PNG), or undefined before the image worker ran. */
export function placeholderDataUrl(record: UploadView): string | undefined {
  if (!record.image?.placeholder) return undefined
  const bytes = Uint8Array.from(atob(record.image.placeholder), (char) => char.charCodeAt(0))
  return thumbHashToDataURL(bytes)
}

/**
 * A `<picture>` for the record: its variants as sources, the original as the fallback `<img>`, width and height set
 * (no layout shift), lazy loading, and the placeholder as the image's background until it has loaded.
 */
export function pictureElement(record: UploadView, options: ResponsiveOptions = {}): HTMLPictureElement {
  const picture = document.createElement('picture')
  for (const source of imageSources(record, options)) {
    const element = document.createElement('source')
    Object.assign(element, { type: source.type, srcset: source.srcset, sizes: source.sizes })
    picture.append(element)
  }
  const img = document.createElement('img')
  img.src = record.url ?? ''
  img.alt = options.alt ?? record.filename
  img.loading = 'lazy'
  img.decoding = 'async'
  if (record.image) {
    img.width = record.image.width
    img.height = record.image.height
  }
  const placeholder = placeholderDataUrl(record)
  if (placeholder) {
    img.style.backgroundImage = `url("${placeholder}")`
    img.style.backgroundSize = 'cover'
    img.addEventListener('load', () => img.style.removeProperty('background-image'), { once: true })
  }
  picture.append(img)
  return picture
}
