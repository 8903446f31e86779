/**
 * Variants live beside their original under keys derived from it — `<key without extension>.w<width>.<format>` — so
 * a retried job overwrites what an interrupted one wrote instead of adding to it, and the keys never change (CDNs
 * cache them for a year).
 */
export function variantKey(originalKey: string, width: number, format: string): string {
  return `${originalKey.replace(/\.[A-Za-z0-9]+$/, '')}.w${width}.${format}`
}
