import { MEDIA_TYPES, type MediaKind } from '../uploads/media-types.js'

/** Legacy files are typed by extension (the old server stored no type); unknown ones are kept as binary. */
const EXTRA_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  m4v: 'video/mp4',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
}

export interface LegacyType {
  contentType: string
  kind: MediaKind | 'other'
  extension: string
}

export function legacyTypeOf(filename: string): LegacyType {
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(filename)?.[1]?.toLowerCase() ?? ''
  const media = MEDIA_TYPES.find((type) => type.extension === extension)
  if (media) return { contentType: media.contentType, kind: media.kind, extension }
  const extra = EXTRA_TYPES[extension]
  const known = extra ? MEDIA_TYPES.find((type) => type.contentType === extra) : undefined
  if (known) return { contentType: known.contentType, kind: known.kind, extension: known.extension }
  return { contentType: extra ?? 'application/octet-stream', kind: 'other', extension: extension || 'bin' }
}
