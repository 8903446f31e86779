/**
 * A client for clamd's INSTREAM command over TCP: `zINSTREAM\0`, then the file as chunks each prefixed by its length
 * (4 bytes, big-endian), then a zero-length chunk; clamd answers one NUL-terminated line — `stream: OK`,
 * `stream: <signature> FOUND`, or `INSTREAM size limit exceeded. ERROR` once the stream passes its StreamMaxLength
 * and closes the connection. Once it has closed, the rest of its answer can be lost to the reset, so the worker does
 * not send files above SCAN_MAX_BYTES (set to clamd's StreamMaxLength) at all; a stream that still hits the limit
 * stops at clamd's first answer.
 */
import { connect, type Socket } from 'node:net'
import type { Readable } from 'node:stream'

export type ScanVerdict = { verdict: 'clean' } | { verdict: 'infected'; signature: string } | { verdict: 'oversize' }

/** clamd could not give a verdict: unreachable, silent past the time budget, or answering with an error. */
export class ScannerUnavailable extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ScannerUnavailable'
  }
}

export interface ClamdAddress {
  host: string
  port: number
}

/** clamd reads each chunk into memory; 64 KiB keeps that small and is far below any StreamMaxLength. */
const CHUNK_BYTES = 64 * 1024

/** Parses clamd's answer to INSTREAM (its trailing NUL and newline already stripped or not). */
export function parseInstreamReply(reply: string): ScanVerdict {
  const line = reply.replace(/[\0\n]+$/, '').trim()
  if (line === 'stream: OK') return { verdict: 'clean' }
  const found = /^stream: (.+) FOUND$/.exec(line)
  if (found) return { verdict: 'infected', signature: found[1]! }
  if (/size limit exceeded/i.test(line)) return { verdict: 'oversize' }
  throw new ScannerUnavailable(`clamd answered: ${line || '(nothing)'}`)
}

/** Streams `body` to clamd and returns its verdict, within `timeoutMs` for all of it; ScannerUnavailable otherwise. */
export async function scanStream(address: ClamdAddress, body: Readable, timeoutMs: number): Promise<ScanVerdict> {
  const socket = connect({ host: address.host, port: address.port })
  const answer = readAnswer(socket)
  const timeout = new ScannerUnavailable(`clamd gave no verdict within ${timeoutMs} ms`)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    socket.destroy(timeout)
    body.destroy()
  }, timeoutMs)
  try {
    let answered = false
    // Awaited below, once the file is sent; a failure before that must not go unhandled.
    answer.then(
      () => (answered = true),
      () => undefined,
    )
    await sendStream(socket, body, () => answered).catch((error: Error) => {
      if (timedOut) throw timeout
      // The bucket's stream failing, or clamd closing the connection without a word.
      if (!answered) throw new ScannerUnavailable(`the file could not be streamed to clamd (${error.message})`)
    })
    return parseInstreamReply(await answer)
  } finally {
    clearTimeout(timer)
    socket.destroy()
    body.destroy()
  }
}

/** Sends the file, unless clamd answers first (the size limit): then the rest would only meet a closed connection. */
async function sendStream(socket: Socket, body: Readable, answered: () => boolean): Promise<void> {
  await write(socket, Buffer.from('zINSTREAM\0'))
  for await (const data of body) {
    const bytes = data as Buffer
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      if (answered()) return
      const chunk = bytes.subarray(offset, offset + CHUNK_BYTES)
      const length = Buffer.alloc(4)
      length.writeUInt32BE(chunk.length)
      await write(socket, Buffer.concat([length, chunk]))
    }
  }
  await write(socket, Buffer.alloc(4))
}

/** Resolves once the chunk is handed to the kernel (backpressure: a slow clamd slows the read from the bucket). */
function write(socket: Socket, bytes: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new ScannerUnavailable('the connection to clamd is closed'))
  return new Promise((resolve, reject) => socket.write(bytes, (error) => (error ? reject(error) : resolve())))
}

/** clamd's whole answer: everything it sends until it closes the connection or ends the line with NUL. */
function readAnswer(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    socket.on('data', (data: Buffer) => {
      parts.push(data)
      if (data.includes(0)) resolve(Buffer.concat(parts).toString('utf8'))
    })
    socket.on('close', () => resolve(Buffer.concat(parts).toString('utf8')))
    socket.on('error', (error) => {
      // A write refused after clamd answered and closed (the size limit): the answer is what counts.
      if (parts.length > 0 && !(error instanceof ScannerUnavailable)) resolve(Buffer.concat(parts).toString('utf8'))
      reject(error instanceof ScannerUnavailable ? error : new ScannerUnavailable(`clamd: ${error.message}`))
    })
  })
}
