/**
 * The grace period of `hoist gc`: how long after its confirm an upload is left alone even when nothing references it,
 * so the app has time to save the document that will (a browser uploads first, then the app saves the block).
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const

/** Shorter than this is refused: an upload whose document is still being written would be collected. */
export const MIN_GRACE_MS = UNIT_MS.m

export const DEFAULT_GRACE = '7d'

/** `30m`, `12h`, `7d`, `2w` → milliseconds; undefined for anything else (a unit is required, and at least a minute). */
export function parseGrace(text: string): number | undefined {
  const match = /^(\d{1,6})([mhdw])$/.exec(text.trim())
  if (!match) return undefined
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  return ms >= MIN_GRACE_MS ? ms : undefined
}
