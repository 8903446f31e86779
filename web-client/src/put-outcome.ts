import { errorFromResponse, HoistUploadError } from './errors.js'
import type { PutOptions } from './transport.js'

/** The error for a PUT's answer, one rule for every transport: none for a 2xx or a status the caller accepts. */
export function putRefusal(status: number, bodyText: string, options: PutOptions): HoistUploadError | undefined {
  const accepted = (status >= 200 && status < 300) || options.acceptStatus?.(status) === true
  return accepted ? undefined : errorFromResponse(status, bodyText)
}

/** A PUT that got no answer at all: the connection failed, or stayed silent. */
export function storageUnreachable(cause?: unknown): HoistUploadError {
  const why = cause instanceof Error ? ` (${cause.message})` : ''
  return new HoistUploadError('NETWORK_ERROR', `The connection to the storage server failed${why}`)
}
