import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  AttachmentBodySchema,
  CreateUploadBodySchema,
  DownloadQuerySchema,
  DownloadSchema,
  MultipartProgressSchema,
  SignedPartsSchema,
  SignPartsBodySchema,
  UploadIdParamsSchema,
  UploadInstructionsSchema,
  UploadListQuerySchema,
  UploadListSchema,
  UploadViewSchema,
} from '@hoist/protocol'
import { ContentTypeNotAllowed } from '../../errors.js'
import { maxBytesOfKind } from '../../config.js'
import { mediaTypeOf } from '../../uploads/media-types.js'
import { errorResponses } from '../error-responses.js'

const security = [{ bearerAuth: [] }]

const byTheNewId = { id: '$response.body#/id' }
const linksToTheUpload = {
  GetUpload: { operationId: 'getUpload', parameters: byTheNewId },
  ConfirmUpload: { operationId: 'confirmUpload', parameters: byTheNewId },
  ListParts: { operationId: 'listParts', parameters: byTheNewId },
  SignParts: { operationId: 'signParts', parameters: byTheNewId, requestBody: { partNumbers: [1] } },
  DownloadUpload: { operationId: 'downloadUpload', parameters: byTheNewId },
  DeleteUpload: { operationId: 'deleteUpload', parameters: byTheNewId },
  AttachUpload: { operationId: 'attachUpload', parameters: byTheNewId, requestBody: { reference: 'blocks/b1' } },
  DetachUpload: { operationId: 'detachUpload', parameters: byTheNewId, requestBody: { reference: 'blocks/b1' } },
}

const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // onRequest: an unauthenticated request is refused before its body is even parsed.
  app.addHook('onRequest', app.authenticate)
  // Each route that costs S3 calls counts per user (presigning is local, with a limit of its own).
  const bucketCalls = app.rateLimits.bucketCalls
  const allowed = app.config.allowedContentTypes
  // The config's allow-list is part of the contract: a client (or a fuzzer) reading the schema knows what passes.
  // The largest size any allowed type may have: above it, the schema refuses (400); between a kind's own limit and
  // it, the service answers 413 FILE_TOO_LARGE naming that limit (a schema cannot tie the size to the type).
  const { maxImageBytes, maxVideoBytes, maxDocumentBytes } = app.config
  const largestSize = Math.max(...allowed.map((type) => maxBytesOfKind(app.config, mediaTypeOf(type)!.kind)))
  const createBody = Type.Object(
    {
      ...CreateUploadBodySchema.properties,
      contentType: Type.Enum(allowed, { description: 'One of the allowed types' }),
      size: Type.Integer({
        minimum: 1,
        maximum: largestSize,
        description: `Exact size in bytes: at most ${maxImageBytes} for an image, ${maxVideoBytes} for a video, ${maxDocumentBytes} for a PDF (over its kind's limit: 413 FILE_TOO_LARGE)`,
      }),
    },
    { additionalProperties: false },
  )
  /** A type outside the schema's list gets the error that names the allowed ones, as it did before it was listed. */
  const contentTypeRefusal = (error: { validation?: unknown }, body: unknown): Error | undefined => {
    const [issue] = (error.validation ?? []) as { instancePath?: string; keyword?: string }[]
    if (issue?.instancePath !== '/contentType' || issue.keyword !== 'enum') return undefined
    return new ContentTypeNotAllowed(String((body as { contentType?: unknown }).contentType), allowed.join(', '))
  }

  app.post(
    '',
    {
      schema: {
        operationId: 'createUpload',
        summary: 'Start an upload: returns a presigned PUT (or a multipart plan) and records it as pending',
        tags: ['uploads'],
        security,
        body: createBody,
        response: { 201: UploadInstructionsSchema, ...errorResponses },
      },
      // So that schemathesis (and any client generator) can follow the new upload to what acts on it.
      links: { 201: linksToTheUpload },
      preHandler: app.rateLimits.presign,
      attachValidation: true,
    },
    async (request, reply) => {
      if (request.validationError)
        throw contentTypeRefusal(request.validationError, request.body) ?? request.validationError
      return reply.code(201).send(await app.uploads.create(request.principal, request.body))
    },
  )

  app.get(
    '',
    {
      schema: {
        operationId: 'listUploads',
        summary: "List the workspace's uploads, newest first",
        tags: ['uploads'],
        security,
        querystring: UploadListQuerySchema,
        response: { 200: UploadListSchema, ...errorResponses },
      },
      preHandler: app.rateLimits.lists,
    },
    async (request) => {
      const page = await app.uploads.list(request.principal, request.query)
      return { ...page, items: await app.attaching.withReferences(request.principal, page.items) }
    },
  )

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getUpload',
        summary: 'Read one upload',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: UploadViewSchema, ...errorResponses },
      },
    },
    async (request) =>
      app.attaching.oneWithReferences(request.principal, await app.uploads.get(request.principal, request.params.id)),
  )

  app.post(
    '/:id/confirm',
    {
      schema: {
        operationId: 'confirmUpload',
        summary: 'Verify the object in the bucket and record its final URL (idempotent)',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: UploadViewSchema, ...errorResponses },
      },
      preHandler: bucketCalls,
    },
    async (request) => app.confirmer.confirm(request.principal, request.params.id),
  )

  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteUpload',
        summary: 'Discard a pending upload or delete a confirmed one (object first, then the record)',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 204: Type.Null(), ...errorResponses },
      },
      preHandler: bucketCalls,
    },
    async (request, reply) => {
      await app.uploads.remove(request.principal, request.params.id)
      return reply.code(204).send(null)
    },
  )

  for (const action of ['attach', 'detach'] as const) {
    app.post(
      `/:id/${action}`,
      {
        schema: {
          operationId: `${action}Upload`,
          summary:
            action === 'attach'
              ? "The app's backend: one of its records uses this upload (idempotent; an app token only)"
              : "The app's backend: that record no longer uses this upload (idempotent; an app token only)",
          tags: ['attachments'],
          security,
          params: UploadIdParamsSchema,
          body: AttachmentBodySchema,
          response: { 200: UploadViewSchema, ...errorResponses },
        },
      },
      async (request) => app.attaching[action](request.principal, request.params.id, request.body.reference),
    )
  }

  app.get(
    '/:id/download',
    {
      schema: {
        operationId: 'downloadUpload',
        summary:
          'A short-lived presigned GET of a confirmed upload, or of one of its image variants (?width=&format=): how a private upload is read',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        querystring: DownloadQuerySchema,
        response: { 200: DownloadSchema, ...errorResponses },
      },
      preHandler: bucketCalls,
    },
    async (request) => app.uploads.downloadUrl(request.principal, request.params.id, request.query),
  )

  app.post(
    '/:id/parts',
    {
      schema: {
        operationId: 'signParts',
        summary: 'Sign part URLs of a multipart upload (again at any time while it is pending)',
        tags: ['multipart'],
        security,
        params: UploadIdParamsSchema,
        body: SignPartsBodySchema,
        response: { 200: SignedPartsSchema, ...errorResponses },
      },
      preHandler: bucketCalls,
    },
    async (request) => app.multipart.signParts(request.principal, request.params.id, request.body.partNumbers),
  )

  app.get(
    '/:id/parts',
    {
      schema: {
        operationId: 'listParts',
        summary: 'Everything a resume needs: the part plan and the parts already in the bucket',
        tags: ['multipart'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: MultipartProgressSchema, ...errorResponses },
      },
      preHandler: bucketCalls,
    },
    async (request) => app.multipart.progress(request.principal, request.params.id),
  )
}

export default uploadRoutes
