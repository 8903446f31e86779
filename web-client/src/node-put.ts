/// <reference types="node" />
/**
 * The PUT transport for Node.js (`@hoist/web-client/node`), on node:http and node:https. Undici's fetch (fetchPut)
 * spends about twice the CPU per byte sent, which a large upload pays on the same cores as everything else; and this
 * one reports progress as the bytes go out, where fetch can report only when a request ends.
 */
import type { ClientRequest, IncomingMessage } from 'node:http'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { UploadCancelledError } from './errors.js'
import { putRefusal, storageUnreachable } from './put-outcome.js'
import type { PutOptions, PutTransport } from './transport.js'

export interface NodePutOptions {
  /**
   * How long the connection may stay silent — no byte of the body taken by the socket, no byte of the answer — before
   * the PUT fails as a NETWORK_ERROR, which the uploader retries (default 60 s). node:http has no limit of its own,
   * so without one a storage server that froze mid-upload would hold the upload forever.
   */
  silenceTimeoutMs?: number
}

const DEFAULT_SILENCE_TIMEOUT_MS = 60_000

export function createNodePut({ silenceTimeoutMs = DEFAULT_SILENCE_TIMEOUT_MS }: NodePutOptions = {}): PutTransport {
  return (url, headers, body, options) => put(url, headers, body, options, silenceTimeoutMs)
}

/** createNodePut with its defaults. */
export const nodePut: PutTransport = createNodePut()

async function put(
  url: string,
  headers: Record<string, string>,
  body: Blob,
  options: PutOptions,
  silenceTimeoutMs: number,
): Promise<void> {
  if (options.signal?.aborted) throw new UploadCancelledError()
  const send = url.startsWith('https:') ? httpsRequest : httpRequest
  const request = send(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(body.size) },
    ...(options.signal ? { signal: options.signal } : {}),
  })
  request.setTimeout(silenceTimeoutMs, () =>
    request.destroy(new Error(`the storage server was silent for ${silenceTimeoutMs / 1000} s`)),
  )
  const responded = new Promise<IncomingMessage>((resolve) => request.once('response', resolve))
  const failed = new Promise<never>((_, reject) => request.once('error', reject))
  failed.catch(() => undefined) // raced below; an error after the answer changes nothing
  let response: IncomingMessage
  let bodySent = false
  try {
    // A storage server that refuses the PUT (expired, changed) answers before reading the body, then hangs up:
    // its answer is what counts, not the broken pipe, so sending stops as soon as there is one.
    const sending = sendBody(request, body, options).then((sent) => void (bodySent = sent))
    response = (await Promise.race([sending, responded, failed])) ?? (await Promise.race([responded, failed]))
  } catch (error) {
    request.destroy()
    if (options.signal?.aborted) throw new UploadCancelledError()
    throw storageUnreachable(error)
  }
  const status = response.statusCode ?? 0
  const text = await textOf(response).catch(() => '')
  if (!bodySent) request.destroy() // a refusal mid-body: the connection cannot carry another request
  const refused = putRefusal(status, text, options)
  if (refused) throw refused
}

/**
 * Streams the Blob into the request as it is read, waiting whenever the socket's buffer is full; false if the request
 * ended first (answered or failed).
 */
async function sendBody(request: ClientRequest, body: Blob, options: PutOptions): Promise<boolean> {
  const reader = body.stream().getReader()
  let sent = 0
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      if (request.destroyed || request.writableEnded) return false
      const flushed = request.write(read.value)
      sent += read.value.length
      options.onProgress?.(sent)
      if (!flushed) await drained(request)
    }
    request.end()
    return true
  } finally {
    await reader.cancel().catch(() => undefined)
  }
}

function drained(request: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      request.off('drain', done)
      request.off('close', done)
      resolve()
    }
    request.once('drain', done)
    request.once('close', done)
  })
}

async function textOf(response: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of response) text += String(chunk)
  return text
}
