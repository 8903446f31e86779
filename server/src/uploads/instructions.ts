import { Type, type Static } from 'typebox'

const HeadersSchema = Type.Record(Type.String(), Type.String(), {
  description: 'Send exactly these headers with the request (Content-Length, also signed, is set by every client)',
})

export const PresignedRequestProperties = {
  method: Type.Union([Type.Literal('PUT'), Type.Literal('GET')]),
  url: Type.String(),
  headers: HeadersSchema,
}

/** What POST /v1/uploads answers: a presigned PUT, or a multipart plan whose part URLs come from /parts. */
export const UploadInstructionsSchema = Type.Union([
  Type.Object({
    id: Type.String(),
    key: Type.String(),
    strategy: Type.Literal('single'),
    ...PresignedRequestProperties,
    expiresAt: Type.String({ format: 'date-time', description: 'When the URL stops working' }),
  }),
  Type.Object({
    id: Type.String(),
    key: Type.String(),
    strategy: Type.Literal('multipart'),
    partSize: Type.Integer(),
    partCount: Type.Integer(),
    expiresAt: Type.String({ format: 'date-time', description: 'When the pending upload expires' }),
  }),
])
export type UploadInstructions = Static<typeof UploadInstructionsSchema>
