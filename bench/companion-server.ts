/**
 * Uppy Companion configured for the same MinIO, for the presign comparison: its signing endpoint for direct
 * uploads is GET /s3/params (a presigned POST). Run by bench/servers.ts; not part of the product.
 */
import * as companion from '@uppy/companion'
import express from 'express'
import session from 'express-session'

const port = Number(process.env.PORT)
const app = express()
app.use(express.json())
app.use(session({ secret: 'bench-only-session-secret', resave: false, saveUninitialized: false }))
const { app: companionApp } = companion.app({
  providerOptions: {},
  s3: {
    key: process.env.AWS_ACCESS_KEY_ID,
    secret: process.env.AWS_SECRET_ACCESS_KEY,
    bucket: process.env.S3_BUCKET_NAME,
    region: process.env.AWS_REGION,
    endpoint: process.env.S3_ENDPOINT,
    forcePathStyle: true,
    expires: 900,
  },
  server: { host: `127.0.0.1:${port}`, protocol: 'http' },
  filePath: '/tmp',
  secret: 'bench-only-companion-secret',
  corsOrigins: true,
  uploadUrls: [],
})
app.use(companionApp)
app.listen(port, '127.0.0.1')
