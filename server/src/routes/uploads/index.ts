import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  CreateUploadBodySchema,
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
import { errorResponses } from '../error-responses.js'

const security = [{ bearerAuth: [] }]

const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // onRequest: an unauthenticated request is refused before its body is even parsed.
  app.addHook('onRequest', app.authenticate)
  // Each route that costs S3 calls counts per user (presigning is local, with a limit of its own).
  const bucketCalls = app.rateLimits.bucketCalls

  app.post(
    '/',
    {
      schema: {
        summary: 'Start an upload: returns a presigned PUT (or a multipart plan) and records it as pending',
        tags: ['uploads'],
        security,
        body: CreateUploadBodySchema,
        response: { 201: UploadInstructionsSchema, ...errorResponses },
      },
      config: { rateLimit: app.rateLimits.presign },
    },
    async (request, reply) => reply.code(201).send(await app.uploads.create(request.principal, request.body)),
  )

  app.get(
    '/',
    {
      schema: {
        summary: "List the workspace's uploads, newest first",
        tags: ['uploads'],
        security,
        querystring: UploadListQuerySchema,
        response: { 200: UploadListSchema, ...errorResponses },
      },
    },
    async (request) => app.uploads.list(request.principal, request.query),
  )

  app.get(
    '/:id',
    {
      schema: {
        summary: 'Read one upload',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: UploadViewSchema, ...errorResponses },
      },
    },
    async (request) => app.uploads.get(request.principal, request.params.id),
  )

  app.post(
    '/:id/confirm',
    {
      schema: {
        summary: 'Verify the object in the bucket and record its final URL (idempotent)',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: UploadViewSchema, ...errorResponses },
      },
      config: { rateLimit: bucketCalls },
    },
    async (request) => app.confirmer.confirm(request.principal, request.params.id),
  )

  app.delete(
    '/:id',
    {
      schema: {
        summary: 'Discard a pending upload or delete a confirmed one (object first, then the record)',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 204: Type.Null(), ...errorResponses },
      },
      config: { rateLimit: bucketCalls },
    },
    async (request, reply) => {
      await app.uploads.remove(request.principal, request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/:id/download',
    {
      schema: {
        summary: 'A short-lived presigned GET, for private buckets',
        tags: ['uploads'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: DownloadSchema, ...errorResponses },
      },
      config: { rateLimit: bucketCalls },
    },
    async (request) => app.uploads.downloadUrl(request.principal, request.params.id),
  )

  app.post(
    '/:id/parts',
    {
      schema: {
        summary: 'Sign part URLs of a multipart upload (again at any time while it is pending)',
        tags: ['multipart'],
        security,
        params: UploadIdParamsSchema,
        body: SignPartsBodySchema,
        response: { 200: SignedPartsSchema, ...errorResponses },
      },
      config: { rateLimit: bucketCalls },
    },
    async (request) => app.multipart.signParts(request.principal, request.params.id, request.body.partNumbers),
  )

  app.get(
    '/:id/parts',
    {
      schema: {
        summary: 'Everything a resume needs: the part plan and the parts already in the bucket',
        tags: ['multipart'],
        security,
        params: UploadIdParamsSchema,
        response: { 200: MultipartProgressSchema, ...errorResponses },
      },
      config: { rateLimit: bucketCalls },
    },
    async (request) => app.multipart.progress(request.principal, request.params.id),
  )
}

export default uploadRoutes
