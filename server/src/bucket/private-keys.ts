/**
 * The part of Hoist's key space that is never publicly readable: `<S3_KEY_PREFIX>.private/`. The public-read policy
 * grants anonymous GET on `<S3_KEY_PREFIX>*` and denies it on this part (documents.ts), so everything else about the
 * prefix — the IAM policy, the lifecycle rule, bucket notifications, `hoist doctor` — covers it unchanged. No
 * workspace id or prefix segment starts with a dot, so no public key can fall in it.
 *
 * Uploads wait here for the malware scan (`.private/quarantine/`, then copied to their public key); private uploads
 * (`visibility: "private"`) live in `.private/files/`, their image variants beside them. A private upload scanned
 * first waits at the quarantine key of its private key, so publishing it (the same copy) keeps it private.
 */

export const PRIVATE_FOLDER = '.private/'
const QUARANTINE_FOLDER = `${PRIVATE_FOLDER}quarantine/`
const FILES_FOLDER = `${PRIVATE_FOLDER}files/`

/** A prefix segment as S3_KEY_PREFIX allows it (no dots), so the quarantine folder is found without the config. */
const QUARANTINE_KEY = /^((?:[A-Za-z0-9_-]+\/)*)\.private\/quarantine\/(.+)$/

/** Where a private upload lives: the public key it would have had, moved under the private folder of the same prefix. */
export function privateKey(keyPrefix: string, publicKey: string): string {
  if (!publicKey.startsWith(keyPrefix)) throw new Error(`${publicKey} is not under ${keyPrefix}`)
  return `${keyPrefix}${FILES_FOLDER}${publicKey.slice(keyPrefix.length)}`
}

/** Whether `key` is in the private folder of `keyPrefix` (a private upload, its variants, or a quarantined file). */
export function isPrivateKey(keyPrefix: string, key: string): boolean {
  return key.startsWith(`${keyPrefix}${PRIVATE_FOLDER}`)
}

/** Where an upload waits for its scan: the public key, moved under the private folder of the same prefix. */
export function quarantineKey(keyPrefix: string, publicKey: string): string {
  if (!publicKey.startsWith(keyPrefix)) throw new Error(`${publicKey} is not under ${keyPrefix}`)
  return `${keyPrefix}${QUARANTINE_FOLDER}${publicKey.slice(keyPrefix.length)}`
}

/** The key a quarantined file is published under once clean; undefined when `key` is not a quarantine key. */
export function publishedKey(key: string): string | undefined {
  const match = QUARANTINE_KEY.exec(key)
  return match ? `${match[1]}${match[2]}` : undefined
}
