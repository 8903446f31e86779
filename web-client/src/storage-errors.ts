/**
 * What S3 (or MinIO, R2) means when it refuses a presigned PUT, as one of Hoist's client error codes and a sentence
 * that says what happened. The codes are S3's own; MinIO words a missing signed header as "headers present in the
 * request which were not signed", and both word an expired URL as AccessDenied "Request has expired".
 */
export type StorageErrorCode =
  /** The presigned URL's time ran out: ask for a new one (the uploader re-signs multipart parts itself). */
  | 'UPLOAD_URL_EXPIRED'
  /** The request differs from what was signed: a header left out or changed, or another size or type of file. */
  | 'UPLOAD_REQUEST_CHANGED'
  /** The bytes do not match the checksum given at presign: the file changed while it was uploaded. */
  | 'CHECKSUM_MISMATCH'
  /** The multipart upload no longer exists: it expired, or was discarded or completed. */
  | 'UPLOAD_GONE'
  /** Any other refusal; `details.storageCode` holds the storage server's code. */
  | 'UPLOAD_FAILED'

interface StorageRefusal {
  code: StorageErrorCode
  message: string
}

const BY_STORAGE_CODE: Record<string, StorageRefusal> = {
  SignatureDoesNotMatch: {
    code: 'UPLOAD_REQUEST_CHANGED',
    message: 'The storage server refused the upload: it was not sent as signed (a header or the file changed)',
  },
  BadDigest: { code: 'CHECKSUM_MISMATCH', message: 'The file changed while it was uploaded; upload it again' },
  XAmzContentChecksumMismatch: {
    code: 'CHECKSUM_MISMATCH',
    message: 'The file changed while it was uploaded; upload it again',
  },
  XAmzContentSHA256Mismatch: {
    code: 'CHECKSUM_MISMATCH',
    message: 'The file changed while it was uploaded; upload it again',
  },
  NoSuchUpload: { code: 'UPLOAD_GONE', message: 'The upload expired or was discarded; upload the file again' },
  RequestExpired: { code: 'UPLOAD_URL_EXPIRED', message: 'The upload URL expired; upload the file again' },
}

export function storageRefusal(storageCode: string, storageMessage: string | undefined): StorageRefusal {
  if (/request has expired/i.test(storageMessage ?? '')) return BY_STORAGE_CODE.RequestExpired!
  if (/not signed/i.test(storageMessage ?? '')) return BY_STORAGE_CODE.SignatureDoesNotMatch!
  return BY_STORAGE_CODE[storageCode] ?? { code: 'UPLOAD_FAILED', message: storageMessage ?? storageCode }
}
