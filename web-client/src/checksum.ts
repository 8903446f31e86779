/** Files up to this size get a SHA-256 that S3 checks at PUT; larger ones would cost too much memory to hash here. */
export const CHECKSUM_MAX_BYTES = 32 * 1024 * 1024

/** Base64 SHA-256 of a Blob, as `x-amz-checksum-sha256` wants it. */
export async function sha256Base64(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))
  let binary = ''
  for (const byte of digest) binary += String.fromCharCode(byte)
  return btoa(binary)
}
