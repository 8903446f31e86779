/**
 * The user's guide's first sketch, in Node: the API receives the whole file, reads it into memory and calls
 * PutObject. The baseline the server-cost benchmark compares Hoist with. Not part of the product.
 */
import { randomUUID } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import Fastify from 'fastify'
import { createS3Client } from '../server/src/storage/s3-client.js'

const client = createS3Client({
  awsRegion: process.env.AWS_REGION!,
  s3Endpoint: process.env.S3_ENDPOINT,
  s3ForcePathStyle: true,
  awsAccessKeyId: process.env.AWS_ACCESS_KEY_ID,
  awsSecretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
})
const app = Fastify({ bodyLimit: 200 * 1024 * 1024 })
// `file_content = await file.read()`: the whole body in memory (a raw body; no multipart parsing cost added).
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
app.get('/healthz', async () => ({ status: 'ok' }))
app.post('/upload', async (request) => {
  const key = `proxy/${randomUUID()}.mp4`
  await client.send(
    new PutObjectCommand({
      Bucket: process.env.S3_BUCKET_NAME,
      Key: key,
      Body: request.body as Buffer,
      ContentType: 'video/mp4',
    }),
  )
  return { url: `${process.env.S3_ENDPOINT}/${process.env.S3_BUCKET_NAME}/${key}` }
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
