/**
 * The S3 calls made once per upload or per migrated file — HEAD, a ranged GET of a few KiB, a PUT of a small file
 * held in memory — made directly: a request signed with SignatureV4 sent over a keep-alive agent. Through the SDK
 * each costs ~2.7 ms of CPU on the bench machine (its per-call middleware: endpoint rules, serialisation, retries);
 * this way a HEAD costs ~0.65 ms, measured in one process against the same MinIO. Everything else (multipart,
 * listing, deletes) stays on the SDK.
 *
 * Failures look like the SDK's to s3-errors.ts: an HTTP error carries `$metadata.httpStatusCode` and S3's error code
 * as its name; a network error keeps its `code`. Like the SDK client (maxAttempts 2), a network error or a 5xx is
 * tried once more — but not a timeout: the time budget is spent, and a frozen store would only take another.
 */
import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'
import { HttpRequest } from '@smithy/protocol-http'
import type { SignatureV4 } from '@smithy/signature-v4'
import { observed, type DependencyObserver } from '../metrics/observers.js'
import type { S3Address } from './s3-address.js'
import { isS3Timeout } from './s3-errors.js'

export interface DirectResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface S3DirectCallsOptions {
  address: S3Address
  signer: SignatureV4
  connectionTimeoutMs: number
  requestTimeoutMs: number
}

/** An S3 answer other than 2xx, shaped as s3-errors.ts reads the SDK's. */
export class S3HttpError extends Error {
  readonly $metadata: { httpStatusCode: number }

  constructor(status: number, body: Buffer) {
    const code = /<Code>([^<]{1,64})<\/Code>/.exec(body.toString('utf8'))?.[1]
    super(`S3 answered ${status}${code ? ` ${code}` : ''}`)
    this.name = code ?? (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : `Http${status}`)
    this.$metadata = { httpStatusCode: status }
  }
}

type Method = 'HEAD' | 'GET' | 'PUT'

const OPERATION_OF: Record<Method, string> = { HEAD: 'HeadObject', GET: 'GetObject', PUT: 'PutObject' }

/** Error bodies are short XML; more than this is not read. */
const MAX_ERROR_BODY = 4096

export class S3DirectCalls {
  private readonly agent: http.Agent
  /** Told of each call, named as the S3 operation it is (HeadObject, GetObject, PutObject), like the SDK's. */
  private observer: DependencyObserver | undefined

  constructor(private readonly options: S3DirectCallsOptions) {
    const secure = options.address.target('').protocol === 'https:'
    this.agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true })
  }

  /** HEAD with the object's SHA-256 checksum asked for. */
  head(key: string): Promise<DirectResponse> {
    return this.call('HEAD', key, { 'x-amz-checksum-mode': 'ENABLED' }, 0)
  }

  /** The first `length` bytes; a store that ignores Range is cut off there, never read whole. */
  readPrefix(key: string, length: number): Promise<DirectResponse> {
    return this.call('GET', key, { range: `bytes=0-${length - 1}` }, length)
  }

  /** The last `length` bytes (a suffix range); a store that ignores Range is cut off after its first ones. */
  readSuffix(key: string, length: number): Promise<DirectResponse> {
    return this.call('GET', key, { range: `bytes=-${length}` }, length)
  }

  /** A PUT of bytes held in memory; `headers` are signed, so S3 refuses the request if any is changed. */
  put(key: string, headers: Record<string, string>, body: Buffer): Promise<DirectResponse> {
    return this.call('PUT', key, { ...headers, 'content-length': String(body.length) }, 0, body)
  }

  /** From now on, each call is told to `observer` (the process's metrics). */
  observeCalls(observer: DependencyObserver): void {
    this.observer = observer
  }

  close(): void {
    this.agent.destroy()
  }

  private call(
    method: Method,
    key: string,
    headers: Record<string, string>,
    maxBytes: number,
    body?: Buffer,
  ): Promise<DirectResponse> {
    return observed(this.observer, 's3', OPERATION_OF[method], isS3Timeout, () =>
      this.withRetry(method, key, headers, maxBytes, body),
    )
  }

  private async withRetry(
    method: Method,
    key: string,
    headers: Record<string, string>,
    maxBytes: number,
    body?: Buffer,
  ): Promise<DirectResponse> {
    try {
      return await this.once(method, key, headers, maxBytes, body)
    } catch (error) {
      const status = (error as Partial<S3HttpError>).$metadata?.httpStatusCode
      if ((status !== undefined && status < 500) || (error as Error).name === 'TimeoutError') throw error
      return this.once(method, key, headers, maxBytes, body)
    }
  }

  private async once(
    method: Method,
    key: string,
    headers: Record<string, string>,
    maxBytes: number,
    body?: Buffer,
  ): Promise<DirectResponse> {
    const target = this.options.address.target(key)
    const host = `${target.hostname}${target.port ? `:${target.port}` : ''}`
    const signed = await this.options.signer.sign(
      new HttpRequest({
        method,
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port ? { port: target.port } : {}),
        path: target.path,
        headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers },
      }),
    )
    const response = await this.send(target, method, signed.headers, maxBytes, body)
    if (response.status >= 300) throw new S3HttpError(response.status, response.body)
    return response
  }

  private send(
    target: { protocol: string; hostname: string; port?: number; path: string },
    method: string,
    headers: Record<string, string>,
    maxBytes: number,
    body?: Buffer,
  ): Promise<DirectResponse> {
    const transport = target.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      const timedOut = (what: string): Error =>
        Object.assign(new Error(`S3 ${what} timed out`), { code: 'ETIMEDOUT', name: 'TimeoutError' })
      const request = transport.request(
        { method, hostname: target.hostname, port: target.port, path: target.path, headers, agent: this.agent },
        (response) => {
          const status = response.statusCode ?? 0
          const limit = status >= 300 ? MAX_ERROR_BODY : maxBytes
          const chunks: Buffer[] = []
          let received = 0
          const finish = (): void => {
            clearTimeout(timer)
            resolve({ status, headers: response.headers, body: Buffer.concat(chunks).subarray(0, limit) })
          }
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk)
            received += chunk.length
            if (received > limit && limit > 0) {
              // More than asked for (a store that ignores Range): the rest is not read, the connection is dropped. An
              // answer of `limit` bytes or fewer ends by itself and leaves its connection to the next call.
              response.destroy()
              finish()
            }
          })
          response.on('end', finish)
          response.on('error', (error) => {
            clearTimeout(timer)
            reject(error)
          })
        },
      )
      const timer = setTimeout(() => request.destroy(timedOut('request')), this.options.requestTimeoutMs)
      request.on('socket', (socket) => {
        if (!socket.connecting) return
        const connecting = setTimeout(() => request.destroy(timedOut('connection')), this.options.connectionTimeoutMs)
        socket.once('connect', () => clearTimeout(connecting))
        socket.once('close', () => clearTimeout(connecting))
      })
      request.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      request.end(body)
    })
  }
}
