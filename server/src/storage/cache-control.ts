/**
 * Keys never change (a new file is a new key), so every object Hoist signs or writes — uploads, variants, migrated
 * files — may be cached for a year by browsers and CDNs. Signed into presigned PUTs, so the bucket stores it.
 */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable'
