/**
 * Scan before publish: the time from the start of an upload to its public URL, with SCAN=clamav against the
 * stack's clamd (one test signature: a full database scans slower) and with scanning off, for a 10 MB and a 200 MB
 * file (real web client, Node transport). "confirm → published" is what scanning adds after the client's confirm:
 * streaming the file to clamd, the server-side copy to its public key, the record's change.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { findClamd, startNativeClamd } from '../infra/stack/clamd.js'
import type { Stack } from '../infra/stack/index.js'
import { createUploader, memoryResumeStore } from '../web-client/src/index.js'
import { nodePut } from '../web-client/src/node-put.js'
import { benchToken, startHoistApi } from './servers.js'

export interface ScanRow {
  variant: string
  megabytes: number
  /** Median of the runs: from the upload's start until the record has its public URL. */
  putToPublishedMs: number
  /** Median: from the client's confirm answer until the record has its public URL (0 without scanning). */
  confirmToPublishedMs: number
}

const MiB = 1024 * 1024
const RUNS = 3

function mp4Of(size: number): Blob {
  const bytes = new Uint8Array(size).fill(5)
  bytes.set([
    0,
    0,
    0,
    0x18,
    ...new TextEncoder().encode('ftypisom'),
    0,
    0,
    2,
    0,
    ...new TextEncoder().encode('isomiso2'),
  ])
  bytes.set([0, 0, 0, 0, ...new TextEncoder().encode('mdat')], 0x18)
  return new Blob([bytes], { type: 'video/mp4' })
}

const median = (values: number[]): number =>
  Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!)

export async function benchScan(stack: Stack, bucket: string, database: string): Promise<ScanRow[]> {
  const binary = findClamd()
  if (!binary) throw new Error("the scan benchmark needs clamd (Debian's clamav-daemon)")
  const clamd = await startNativeClamd(binary, { streamMaxBytes: 256 * MiB })
  const token = benchToken()
  const rows: ScanRow[] = []
  try {
    for (const [variant, extra] of [
      ['scanning off', {}],
      [
        'SCAN=clamav',
        {
          SCAN: 'clamav',
          CLAMD_HOST: clamd.host,
          CLAMD_PORT: String(clamd.port),
          SCAN_MAX_BYTES: String(clamd.streamMaxBytes),
        },
      ],
    ] as const) {
      const api = await startHoistApi(stack, bucket, `${database}_scan`, extra)
      try {
        const uploader = createUploader({
          apiUrl: api.url,
          getToken: () => token,
          transport: nodePut,
          resumeStore: memoryResumeStore(),
          multipart: { concurrency: 4 },
        })
        for (const size of [10 * MiB, 200 * MiB]) {
          const file = mp4Of(size)
          const total: number[] = []
          const afterConfirm: number[] = []
          for (let run = 0; run < RUNS; run++) {
            const started = performance.now()
            let record = await uploader.upload(file, { filename: 'bench.mp4', checksum: false })
            const confirmed = performance.now()
            while (record.status === 'quarantined') {
              await sleep(10)
              record = await uploader.api.get(record.id)
            }
            if (record.status !== 'confirmed' || !record.url) throw new Error(`${variant}: ended ${record.status}`)
            total.push(performance.now() - started)
            afterConfirm.push(performance.now() - confirmed)
            await uploader.api.remove(record.id)
          }
          rows.push({
            variant,
            megabytes: size / MiB,
            putToPublishedMs: median(total),
            confirmToPublishedMs: median(afterConfirm),
          })
        }
      } finally {
        await api.stop()
      }
    }
  } finally {
    await clamd.server.dispose()
  }
  return rows
}
