/**
 * Variants live beside their original under keys derived from it — `<key without extension>.w<width>.<format>` — so
 * a retried job overwrites what an interrupted one wrote instead of adding to it, and the keys never change (CDNs
 * cache them for a year).
 */
export function variantKey(originalKey: string, width: number, format: string): string {
  return `${variantPrefix(originalKey)}${width}.${format}`
}

/** Whether `key` is one of `originalKey`'s variants, whatever its width and format. */
export function isVariantKey(originalKey: string, key: string): boolean {
  const prefix = variantPrefix(originalKey)
  return key.startsWith(prefix) && /^\d+\.[a-z0-9]+$/.test(key.slice(prefix.length))
}

/** The prefix every variant key of `originalKey` starts with, for listing them. */
export function variantPrefix(originalKey: string): string {
  return `${originalKey.replace(/\.[A-Za-z0-9]+$/, '')}.w`
}
