import { UploadCancelledError } from './errors.js'
import { putRefusal, storageUnreachable } from './put-outcome.js'
import type { PutOptions } from './transport.js'

/**
 * PUTs a Blob with XMLHttpRequest, the only browser API that reports upload progress. Sends exactly the signed
 * headers; the browser sets Content-Length from the Blob.
 */
export function xhrPut(url: string, headers: Record<string, string>, body: Blob, options: PutOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new UploadCancelledError())
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded)
    const onAbort = (): void => xhr.abort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const done = (): void => options.signal?.removeEventListener('abort', onAbort)
    xhr.onload = () => {
      done()
      const refused = putRefusal(xhr.status, xhr.responseText, options)
      if (refused) reject(refused)
      else resolve()
    }
    xhr.onerror = () => {
      done()
      reject(storageUnreachable())
    }
    xhr.ontimeout = xhr.onerror
    xhr.onabort = () => {
      done()
      reject(new UploadCancelledError())
    }
    xhr.send(body)
  })
}
