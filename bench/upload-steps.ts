/**
 * One small upload's steps as a client makes them — presign, PUT to the bucket, confirm — for the benchmarks that
 * time the API's part of each step apart (confirm.ts, growth.ts).
 */
import { benchToken, type ServerProcess } from './servers.js'

/** The bench user's Authorization header. */
export function benchAuth(): { authorization: string } {
  return { authorization: `Bearer ${benchToken()}` }
}

/** 2 KB that confirm takes for a PNG: the signature it checks, then filler. */
const PNG = Buffer.alloc(2_000, 9)
PNG.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0)

interface Presigned {
  id: string
  url: string
  headers: Record<string, string>
}

export async function presignPng(
  api: ServerProcess,
  auth: { authorization: string },
  name: string,
): Promise<Presigned> {
  const response = await fetch(`${api.url}/v1/uploads`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ filename: name, contentType: 'image/png', size: PNG.length }),
  })
  if (!response.ok) throw new Error(`presign ${response.status}: ${await response.text()}`)
  return (await response.json()) as Presigned
}

/** The PUT straight to the bucket: no API work. */
export async function putPng(presigned: Presigned): Promise<void> {
  const put = await fetch(presigned.url, { method: 'PUT', headers: presigned.headers, body: PNG })
  if (!put.ok) throw new Error(`PUT ${put.status}`)
}

/** Confirms one upload: its latency, and whether the API answered 200. */
export async function confirmUpload(
  api: ServerProcess,
  auth: { authorization: string },
  id: string,
): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now()
  const response = await fetch(`${api.url}/v1/uploads/${id}/confirm`, { method: 'POST', headers: auth })
  await response.arrayBuffer()
  return { ms: performance.now() - started, ok: response.status === 200 }
}
