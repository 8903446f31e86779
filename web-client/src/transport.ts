import { UploadCancelledError } from './errors.js'
import { putRefusal, storageUnreachable } from './put-outcome.js'
import { xhrPut } from './xhr-put.js'

export interface PutOptions {
  signal?: AbortSignal
  /** Bytes sent so far (XHR reports it as it goes; fetch only at the end). */
  onProgress?: (loaded: number) => void
  /** Statuses other than 2xx that count as success (412 for a repeated single PUT). */
  acceptStatus?: (status: number) => boolean
}

/**
 * Sends one presigned PUT. The browser default is XMLHttpRequest (upload progress); without it, fetch. Node.js
 * programs pass nodePut (`@hoist/web-client/node`), which this module cannot import: browsers have no node:http.
 */
export type PutTransport = (
  url: string,
  headers: Record<string, string>,
  body: Blob,
  options: PutOptions,
) => Promise<void>

/** fetch-based PUT, for runtimes without XMLHttpRequest (Deno, Bun, workers): progress only when a request ends. */
export const fetchPut: PutTransport = async (url, headers, body, options) => {
  let response: Response
  try {
    response = await fetch(url, { method: 'PUT', headers, body, ...(options.signal ? { signal: options.signal } : {}) })
  } catch (error) {
    if (options.signal?.aborted) throw new UploadCancelledError()
    throw storageUnreachable(error)
  }
  const refused = putRefusal(response.status, await response.text(), options)
  if (refused) throw refused
  options.onProgress?.(body.size)
}

export function defaultTransport(): PutTransport {
  return typeof XMLHttpRequest === 'function' ? xhrPut : fetchPut
}
