/**
 * Confirm beside presign: CPU per request and latency of `POST /v1/uploads/:id/confirm` on the API process. The
 * uploads are presigned and PUT to MinIO first (not measured); then 16 clients confirm them all. Each confirm is a
 * ranged GET of ≤ 4 KiB in the bucket, a read of the record and the transition's two writes in the database. Three
 * runs.
 */
import type { Stack } from '../infra/stack/index.js'
import { mapConcurrent } from '../server/src/concurrency.js'
import { percentile } from './load.js'
import { median } from './median.js'
import { cpuSeconds } from './process-stats.js'
import { startHoistApi } from './servers.js'
import { benchAuth, confirmUpload, presignPng, putPng } from './upload-steps.js'

export interface ConfirmRow {
  confirms: number
  confirmsPerSecond: number
  p50Ms: number
  p99Ms: number
  cpuMicrosPerRequest: number
  errors: number
}

/**
 * Confirmed before the measured ones. A fresh process keeps getting cheaper per confirm for thousands of them (V8
 * optimizes the hot code in stages, pools fill): measured after 50, a confirm cost 4,389 µs; after 1,000, 3,115 µs;
 * after 4,000, 2,275 µs (medians of 3 runs each, 2026-12-03). An API serves for days, so what is quoted is that.
 */
export const CONFIRM_WARMUP = 4_000
const UPLOADS = CONFIRM_WARMUP + 2_000
const CONNECTIONS = 16
/** Runs, each on a fresh process and database: other work on a shared machine moves one run by a third or more. */
const ROUNDS = 3

/** One row per run; the figure to quote is the median of their CPU per request (medianCpuMicros). */
export async function benchConfirm(stack: Stack, bucket: string, database: string): Promise<ConfirmRow[]> {
  const rows: ConfirmRow[] = []
  for (let round = 0; round < ROUNDS; round++)
    rows.push(await confirmRun(stack, bucket, `${database}_confirm_${round}`))
  return rows
}

export function medianCpuMicros(rows: ConfirmRow[]): number {
  return median(rows.map((row) => row.cpuMicrosPerRequest))
}

async function confirmRun(stack: Stack, bucket: string, database: string): Promise<ConfirmRow> {
  const api = await startHoistApi(stack, bucket, database)
  try {
    const auth = benchAuth()
    const ids = await mapConcurrent(Array.from({ length: UPLOADS }), CONNECTIONS, async (_, i) => {
      const presigned = await presignPng(api, auth, `c${i}.png`)
      await putPng(presigned)
      return presigned.id
    })
    let errors = 0
    const confirm = async (id: string): Promise<number> => {
      const { ms, ok } = await confirmUpload(api, auth, id)
      if (!ok) errors++
      return ms
    }
    await mapConcurrent(ids.slice(0, CONFIRM_WARMUP), CONNECTIONS, confirm)
    errors = 0
    const measured = ids.slice(CONFIRM_WARMUP)
    const cpuBefore = cpuSeconds(api.pid)
    const started = performance.now()
    const latencies = (await mapConcurrent(measured, CONNECTIONS, confirm)).sort((a, b) => a - b)
    const seconds = (performance.now() - started) / 1000
    const cpu = cpuSeconds(api.pid) - cpuBefore
    return {
      confirms: measured.length,
      confirmsPerSecond: Math.round(measured.length / seconds),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      cpuMicrosPerRequest: Math.round((cpu * 1e6) / measured.length),
      errors,
    }
  } finally {
    await api.stop()
  }
}
