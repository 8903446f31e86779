/** The real web client, run in Node with its Node transport (nodePut), for tests that drive multipart uploads. */
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import {
  createUploader,
  memoryResumeStore,
  type PutTransport,
  type ResumeStore,
  type Uploader,
} from '../../web-client/src/index.js'
import { nodePut } from '../../web-client/src/node-put.js'
import { baseUrl } from './hoist.js'
import { mintToken, type TokenClaims } from './tokens.js'

export interface NodeUploaderOptions {
  claims?: TokenClaims
  transport?: PutTransport
  resumeStore?: ResumeStore
  concurrency?: number
  apiUrl?: string
}

export function nodeUploader(app: FastifyInstance, options: NodeUploaderOptions = {}): Uploader {
  return createUploader({
    apiUrl: options.apiUrl ?? baseUrl(app),
    getToken: () => mintToken(options.claims),
    transport: options.transport ?? nodePut,
    resumeStore: options.resumeStore ?? memoryResumeStore(),
    multipart: { concurrency: options.concurrency ?? 4 },
    retry: { baseDelayMs: 100, maxDelayMs: 1_000, attempts: 8 },
  })
}

/** Which part a presigned URL is for (multipart URLs carry partNumber in the query). */
export function partNumberOf(url: string): number | undefined {
  const value = new URL(url).searchParams.get('partNumber')
  return value === null ? undefined : Number(value)
}

/** SHA-256 of a URL's body, streamed (the files are hundreds of MB). */
export async function sha256OfUrl(url: string): Promise<string> {
  const response = await fetch(url)
  if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`)
  const hash = createHash('sha256')
  const reader = response.body.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value)
  return hash.digest('hex')
}

export { nodePut, memoryResumeStore }
