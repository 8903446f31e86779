/** Thin calls to the API through inject, and the uploader's side of a presigned PUT through fetch. */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { SingleInstructions } from '../../protocol/src/uploads.js'
import { bearer, type TokenClaims } from './tokens.js'

export function createUpload(
  app: FastifyInstance,
  body: Record<string, unknown>,
  claims: TokenClaims = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/v1/uploads', headers: bearer(claims), payload: body })
}

export function confirmUpload(
  app: FastifyInstance,
  id: string,
  claims: TokenClaims = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/v1/uploads/${id}/confirm`, headers: bearer(claims) })
}

export function getUpload(app: FastifyInstance, id: string, claims: TokenClaims = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: `/v1/uploads/${id}`, headers: bearer(claims) })
}

export function deleteUpload(
  app: FastifyInstance,
  id: string,
  claims: TokenClaims = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: bearer(claims) })
}

/** PUTs `body` exactly as a client following the instructions would (fetch sets Content-Length). */
export function putObject(
  instructions: { url: string; headers: Record<string, string> },
  body: Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(instructions.url, { method: 'PUT', headers: { ...instructions.headers, ...headers }, body })
}

/** Presign, PUT and confirm in one go; returns the confirmed record. */
export async function uploadFile(
  app: FastifyInstance,
  file: { filename: string; contentType: string; bytes: Uint8Array<ArrayBuffer>; checksum?: string },
  claims: TokenClaims = {},
): Promise<{ id: string; url: string; key: string; status: string; size: number }> {
  const created = await createUpload(
    app,
    {
      filename: file.filename,
      contentType: file.contentType,
      size: file.bytes.length,
      ...(file.checksum ? { checksum: file.checksum } : {}),
    },
    claims,
  )
  if (created.statusCode !== 201) throw new Error(`presign failed: ${created.statusCode} ${created.body}`)
  const instructions = created.json<SingleInstructions>()
  const put = await putObject(instructions, file.bytes)
  if (!put.ok) throw new Error(`PUT failed: ${put.status} ${await put.text()}`)
  const confirmed = await confirmUpload(app, instructions.id, claims)
  if (confirmed.statusCode !== 200) throw new Error(`confirm failed: ${confirmed.statusCode} ${confirmed.body}`)
  return confirmed.json()
}
