/**
 * An uploaded image made into responsive variants, with sharp (prebuilt libvips from npm): upright (EXIF orientation
 * applied), stripped of every metadata block (EXIF and its GPS position, XMP, ICC — sharp writes none unless asked),
 * at each configured width below the original's plus the original's own width when it is smaller than the largest,
 * never upscaled; WebP, and AVIF when enabled; and a thumbhash placeholder (~25 bytes, keeps aspect ratio and alpha).
 *
 * Bounded: the pixel limit is checked from the header before anything is decoded (a 20,000 × 20,000 PNG of a few KB
 * is refused in milliseconds), one frame of an animation is read, and every image fails on decoder errors (a
 * truncated file) instead of padding it with grey. Failures of the image itself are ImageRejected: permanent.
 */
import sharp, { type Sharp } from 'sharp'
import { rgbaToThumbHash } from 'thumbhash'

// Unrelated files one after another: libvips' operation cache would only hold memory.
sharp.cache(false)

export type VariantFormat = 'webp' | 'avif'

export interface VariantOptions {
  widths: readonly number[]
  formats: readonly VariantFormat[]
  maxPixels: number
  timeoutSeconds: number
}

interface MadeVariant {
  width: number
  height: number
  format: VariantFormat
  contentType: string
  bytes: Buffer
}

export interface MadeImage {
  /** The original's size, upright. */
  width: number
  height: number
  /** Base64 thumbhash (decode it with the `thumbhash` package: the web client does). */
  placeholder: string
  variants: MadeVariant[]
}

/** The image itself cannot be processed (not an image, too many pixels, truncated): retrying will not help. */
export class ImageRejected extends Error {
  override readonly name = 'ImageRejected'
}

const DECODABLE = new Set(['jpeg', 'png', 'gif', 'webp', 'heif'])
const ENCODERS = {
  webp: (image: Sharp) => image.webp({ quality: 75, effort: 4 }),
  // AVIF's default effort costs ~15× WebP's CPU on this hardware; effort 2 keeps files about as small.
  avif: (image: Sharp) => image.avif({ quality: 50, effort: 2 }),
} as const

/** The widths to make for an original `sourceWidth` wide: each configured one below it, plus its own if smaller than the largest. */
export function variantWidths(sourceWidth: number, configured: readonly number[]): number[] {
  const below = configured.filter((width) => width < sourceWidth)
  const largest = Math.max(...configured)
  return [...new Set(sourceWidth <= largest ? [...below, sourceWidth] : below)].sort((a, b) => a - b)
}

export async function makeVariants(original: Buffer, options: VariantOptions): Promise<MadeImage> {
  // sharp bounds each pipeline it runs; giving each what is left of the job's budget bounds the whole job.
  const deadline = Date.now() + options.timeoutSeconds * 1000
  const budget = (): { seconds: number } => {
    const seconds = Math.ceil((deadline - Date.now()) / 1000)
    if (seconds <= 0)
      throw new ImageRejected(`processing took longer than IMAGE_TIMEOUT_SECONDS (${options.timeoutSeconds})`)
    return { seconds }
  }
  const input = (): Sharp =>
    sharp(original, { limitInputPixels: options.maxPixels, failOn: 'error', pages: 1 }).timeout(budget())
  const metadata = await input()
    .metadata()
    .catch((error: unknown) => {
      throw new ImageRejected(describe(error))
    })
  const format = metadata.format ?? 'unknown'
  if (!DECODABLE.has(format) || (format === 'heif' && metadata.compression !== 'av1')) {
    throw new ImageRejected(`not an image Hoist can process (${format})`)
  }
  const upright = metadata.autoOrient
  if (!upright.width || !upright.height) throw new ImageRejected('the image has no size')
  const widths = variantWidths(upright.width, options.widths)
  try {
    // Decoded once, upright, at the largest width needed; every variant is made from these pixels, one at a time
    // (in parallel, each pipeline decoded the original again, and the budget applied to each, not to the job).
    const decoded = await input()
      .autoOrient()
      .resize({ width: Math.max(...widths), withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true })
    const { width, height, channels } = decoded.info
    const pixels = (): Sharp => sharp(decoded.data, { raw: { width, height, channels } }).timeout(budget())
    const variants: MadeVariant[] = []
    for (const variantWidth of widths) {
      for (const variantFormat of options.formats) {
        const { data, info } = await ENCODERS[variantFormat](
          pixels().resize({ width: variantWidth, withoutEnlargement: true }),
        ).toBuffer({ resolveWithObject: true })
        variants.push({
          width: info.width,
          height: info.height,
          format: variantFormat,
          contentType: `image/${variantFormat}`,
          bytes: data,
        })
      }
    }
    return { width: upright.width, height: upright.height, placeholder: await thumbhashOf(pixels()), variants }
  } catch (error) {
    throw error instanceof ImageRejected ? error : new ImageRejected(describe(error))
  }
}

async function thumbhashOf(image: Sharp): Promise<string> {
  const { data, info } = await image
    .resize(100, 100, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64')
}

/** sharp's messages, made readable for the record's processingError. */
function describe(error: unknown): string {
  const message = (error as Error).message ?? String(error)
  if (/pixel limit/i.test(message))
    return 'the image has more pixels than IMAGE_MAX_PIXELS allows (a decompression bomb, or simply too large)'
  if (/unsupported image format/i.test(message)) return 'the file is not an image sharp can read'
  if (/premature end|truncated|unexpected end/i.test(message)) return `the image is truncated (${message})`
  if (/timeout/i.test(message)) return `processing took longer than IMAGE_TIMEOUT_SECONDS (${message})`
  return `the image could not be decoded (${message})`
}
