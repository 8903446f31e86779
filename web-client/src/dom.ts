/**
 * The parts of the client that build DOM elements, apart (`@hoist/web-client/dom`) so that a program compiled
 * without the DOM library — a Node script, a server — can use the rest of the package.
 */
import type { UploadView } from '@hoist/protocol'
import { fallbackUrl, imageSources, placeholderDataUrl, type ResponsiveOptions } from './picture.js'

/**
 * A `<picture>` for the record — an image, or the preview of a PDF or video: its variants as sources, the original
 * (a PDF's or video's widest variant) as the fallback `<img>`, width and height set
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
  img.src = fallbackUrl(record) ?? ''
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
