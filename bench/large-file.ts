/**
 * Large-file throughput: a 1 GB file through Hoist's multipart uploader (the real web client with its Node transport,
 * nodePut; 16 MiB parts) at 1, 4 and 8 parallel parts and as a single presigned PUT, and at 8 with fetchPut, beside `aws s3 cp` of the same file to the same
 * MinIO with the same part size and parallelism, MinIO's ceiling (the fastest it takes the file from a client that
 * costs almost nothing), and a raw loopback copy (an HTTP sink that discards the bytes). BENCH_LARGE_FILE_MB (default
 * 1024, a multiple of 16) narrows a run.
 */
import { openAsBlob } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand } from '@aws-sdk/client-s3'
import type { Stack } from '../infra/stack/index.js'
import { mapConcurrent } from '../server/src/concurrency.js'
import { SigV4UrlSigner } from '../server/src/storage/presign/sigv4-url-signer.js'
import type { PresignedRequest } from '../server/src/storage/object-store.js'
import { S3Address } from '../server/src/storage/s3-address.js'
import { createUploader, fetchPut, memoryResumeStore, type PutTransport } from '../web-client/src/index.js'
import { nodePut } from '../web-client/src/node-put.js'
import { awsCli } from './awscli.js'
import { benchToken, startHoistApi, stackS3Client } from './servers.js'
import { timed } from './timed-command.js'

interface LargeFileRow {
  variant: string
  seconds: number
  megabytesPerSecond: number
}

export interface LargeFileResult {
  /** The file's size, for headings: `1 GB`. */
  size: string
  /** The raw loopback copy first: the table's ceiling. */
  rows: LargeFileRow[]
  /** The rows issue 26's goals compare: the web client at 8 parallel parts against `aws s3 cp` and MinIO's ceiling. */
  webClient: LargeFileRow
  awsCp: LargeFileRow
  minioCeiling: LargeFileRow
}

const MiB = 1024 * 1024
const PART_SIZE = 16 * MiB
/** Parts in flight in the fastest web-client run, `aws s3 cp`, MinIO's ceiling and the loopback copy alike. */
const PARALLEL = 8

/** The same bytes over loopback HTTP to a sink that discards them, in 8 parallel streams like the fastest upload. */
async function rawLoopbackCopy(file: Blob): Promise<number> {
  const sink = createServer((request, response) => {
    request.on('data', () => undefined)
    request.on('end', () => response.end())
  })
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`
    const slice = Math.ceil(file.size / PARALLEL)
    const started = performance.now()
    await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        fetch(url, { method: 'PUT', body: file.slice(i * slice, (i + 1) * slice) }),
      ),
    )
    return (performance.now() - started) / 1000
  } finally {
    sink.close()
  }
}

/** One part PUT with node:http, no client library in between; the part's ETag. */
function putPart(part: PresignedRequest<'PUT'>, body: Buffer, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { ...part.headers, 'content-length': body.length }
    const put = request(part.url, { method: 'PUT', agent, headers }, (response) => {
      let answer = ''
      response.on('data', (chunk: Buffer) => (answer += chunk.toString()))
      response.on('end', () => {
        const etag = response.headers.etag
        if (response.statusCode === 200 && etag) resolve(etag)
        else reject(new Error(`part PUT ${response.statusCode}: ${answer.slice(0, 500)}`))
      })
    })
    put.on('error', reject)
    put.end(body)
  })
}

/**
 * The fastest MinIO takes the file when the client costs almost nothing: PARALLEL part PUTs of one in-memory
 * 16 MiB buffer to part URLs presigned before the clock starts, then the completion. No file read, no hashing, no
 * API: what is left is MinIO's own work and loopback's.
 */
async function minioCeiling(stack: Stack, bucket: string, size: number): Promise<number> {
  const s3 = stackS3Client(stack)
  const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL })
  const key = `bench-ceiling/${Date.now()}.mp4`
  try {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'video/mp4' }),
    )
    // The API's own signer, as for the web client's parts.
    const signer = new SigV4UrlSigner({
      address: new S3Address({ bucket, region: stack.s3.region, endpoint: stack.s3.endpoint, forcePathStyle: true }),
      region: stack.s3.region,
      credentials: s3.config.credentials,
    })
    const parts = await Promise.all(
      Array.from({ length: size / PART_SIZE }, (_, i) =>
        signer.uploadPart({
          key,
          uploadId: UploadId!,
          partNumber: i + 1,
          contentLength: PART_SIZE,
          expiresInSeconds: 3600,
        }),
      ),
    )
    const body = Buffer.alloc(PART_SIZE, 5)
    const started = performance.now()
    const etags = await mapConcurrent(parts, PARALLEL, (part) => putPart(part, body, agent))
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    )
    const seconds = (performance.now() - started) / 1000
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    return seconds
  } finally {
    agent.destroy()
    s3.destroy()
  }
}

/**
 * `aws s3 cp` of the file, timed as an operator runs it (Python's start included: about a second), with the web
 * client's part size and parallelism set in the config file awscli reads. awscli also sends a CRC32 of each part
 * (its default); the web client sends none (checksum: false).
 */
async function awsCp(
  stack: Stack,
  bucket: string,
  path: string,
  dir: string,
  log: (line: string) => void,
): Promise<number> {
  const config = join(dir, 'aws-config')
  // awscli reads MB as MiB.
  const chunk = `${PART_SIZE / MiB}MB`
  const settings = [
    `multipart_threshold = ${chunk}`,
    `multipart_chunksize = ${chunk}`,
    `max_concurrent_requests = ${PARALLEL}`,
  ]
  await writeFile(config, ['[default]', 's3 =', ...settings.map((setting) => `  ${setting}`), ''].join('\n'))
  const aws = await awsCli(stack, config, log)
  const key = 'bench-aws-cp/walkthrough.mp4'
  const args = ['s3', 'cp', path, `s3://${bucket}/${key}`, '--endpoint-url', stack.s3.endpoint, '--only-show-errors']
  const seconds = await timed(aws.path, args, aws.env)
  const s3 = stackS3Client(stack)
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
  s3.destroy()
  return seconds
}

/** An MP4 that confirm accepts (an ftyp box, then mdat to the end), a different byte in each part. */
async function writeVideo(path: string, size: number): Promise<void> {
  const header = Buffer.from([0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')])
  const first = Buffer.alloc(PART_SIZE, 3)
  first.set(header, 0)
  // confirm checks the box after ftyp too: mdat, size 0 (to the end of the file).
  first.set([0, 0, 0, 0, ...Buffer.from('mdat')], header.length)
  await writeFile(
    path,
    Buffer.concat(Array.from({ length: size / PART_SIZE }, (_, i) => (i === 0 ? first : Buffer.alloc(PART_SIZE, i)))),
  )
}

export async function benchLargeFile(
  stack: Stack,
  bucket: string,
  database: string,
  log: (line: string) => void,
): Promise<LargeFileResult> {
  const mebibytes = Number(process.env.BENCH_LARGE_FILE_MB ?? 1024)
  const size = mebibytes * MiB
  if (!Number.isInteger(mebibytes) || mebibytes <= 0 || size % PART_SIZE !== 0)
    throw new Error(`BENCH_LARGE_FILE_MB=${mebibytes}: a whole number of ${PART_SIZE / MiB} MiB parts`)
  const dir = await mkdtemp(join(tmpdir(), 'hoist-bench-'))
  const path = join(dir, 'walkthrough.mp4')
  await writeVideo(path, size)
  const file = await openAsBlob(path, { type: 'video/mp4' })
  const token = benchToken()
  const rows: LargeFileRow[] = []
  const row = (variant: string, seconds: number): LargeFileRow => {
    const measured = {
      variant,
      seconds: Number(seconds.toFixed(2)),
      megabytesPerSecond: Math.round(mebibytes / seconds),
    }
    log(`bench: ${variant}: ${measured.seconds} s, ${measured.megabytesPerSecond} MB/s`)
    rows.push(measured)
    return measured
  }
  try {
    row(`Raw loopback copy, ${PARALLEL} streams (ceiling)`, await rawLoopbackCopy(file))
    const minio = row(`MinIO's ceiling: ${PARALLEL} part PUTs from memory`, await minioCeiling(stack, bucket, size))
    const aws = row(`aws s3 cp, ${PARALLEL} parts in parallel`, await awsCp(stack, bucket, path, dir, log))
    let webClient: LargeFileRow | undefined
    const webClientRuns: [string, number, number, PutTransport][] = [
      ['Single presigned PUT', 5 * 1024 * MiB, 1, nodePut],
      ['Hoist multipart, 1 part at a time', PART_SIZE, 1, nodePut],
      ['Hoist multipart, 4 parallel parts', PART_SIZE, 4, nodePut],
      [`Hoist multipart, ${PARALLEL} parallel parts`, PART_SIZE, PARALLEL, nodePut],
      // What a Node.js user got before nodePut, and what Deno, Bun and workers get.
      [`Hoist multipart, ${PARALLEL} parallel parts, fetchPut`, PART_SIZE, PARALLEL, fetchPut],
    ]
    for (const [variant, threshold, concurrency, transport] of webClientRuns) {
      const api = await startHoistApi(stack, bucket, `${database}_large`, {
        MULTIPART_THRESHOLD_BYTES: String(threshold),
        MULTIPART_PART_SIZE_BYTES: String(PART_SIZE),
        MAX_VIDEO_BYTES: String(2 * size),
      })
      try {
        const uploader = createUploader({
          apiUrl: api.url,
          getToken: () => token,
          transport,
          resumeStore: memoryResumeStore(),
          multipart: { concurrency },
        })
        const started = performance.now()
        const record = await uploader.upload(file, { filename: `${variant}.mp4`, checksum: false })
        const seconds = (performance.now() - started) / 1000
        if (record.status !== 'confirmed' || record.size !== size) throw new Error(`${variant}: not confirmed`)
        const measured = row(variant, seconds)
        if (concurrency === PARALLEL && transport === nodePut) webClient = measured
        await uploader.api.remove(record.id)
      } finally {
        await api.stop()
      }
    }
    const label = mebibytes % 1024 === 0 ? `${mebibytes / 1024} GB` : `${mebibytes} MB`
    return { size: label, rows, webClient: webClient!, awsCp: aws, minioCeiling: minio }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
