/**
 * What `hoist move` tests move: uploads confirmed through the API, each with image variants beside it (objects and
 * the record's `variants`, as the image worker leaves them), one plain object large enough to be copied in parts,
 * and app documents naming them all — in nested arrays, in HTML text with query strings, by the public (CDN) URL
 * and by the bucket's own URL.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { Db } from 'mongodb'
import type { FastifyInstance } from 'fastify'
import { variantKey } from '../../server/src/images/variant-keys.js'
import { IMMUTABLE_CACHE_CONTROL } from '../../server/src/storage/cache-control.js'
import { MongoLedger } from '../../server/src/storage/mongo-ledger.js'
import type { Config } from '../../server/src/config.js'
import { publicUrlOf, s3AddressOf } from '../../server/src/storage/open-object-store.js'
import { uploadFile } from './api.js'
import { fileOf } from './fixtures.js'

const MiB = 1024 * 1024
/** Larger than the 5 MiB parts the move tests set: copied as a multipart upload of two parts. */
export const LARGE_OBJECT_BYTES = 5 * MiB + 12_345

export interface MovedFixture {
  /** Every object the source holds, with its bytes. */
  objects: Map<string, Buffer>
  uploadIds: string[]
  largeKey: string
}

export async function seedSource(options: {
  app: FastifyInstance
  config: Config
  s3: S3Client
  hoistDb: Db
  appDb: Db
  uploads: number
}): Promise<MovedFixture> {
  const { app, config, s3 } = options
  const objects = new Map<string, Buffer>()
  const ledger = new MongoLedger(options.hoistDb)
  const uploadIds: string[] = []
  const documents = []
  for (let i = 0; i < options.uploads; i++) {
    const bytes = fileOf('image/png', 2_000 + i * 37, i + 1)
    const upload = await uploadFile(app, { filename: `shot ${i}.png`, contentType: 'image/png', bytes })
    objects.set(upload.key, Buffer.from(bytes))
    uploadIds.push(upload.id)
    const variants = []
    for (const width of [320, 640]) {
      const key = variantKey(upload.key, width, 'webp')
      const variantBytes = fileOf('image/webp', 500 + width + i, i + width)
      await s3.send(
        new PutObjectCommand({
          Bucket: config.s3Bucket,
          Key: key,
          Body: variantBytes,
          ContentType: 'image/webp',
          CacheControl: IMMUTABLE_CACHE_CONTROL,
        }),
      )
      objects.set(key, variantBytes)
      variants.push({
        width,
        height: width / 2,
        format: 'webp' as const,
        key,
        url: publicUrlOf(config)(key),
        bytes: variantBytes.length,
      })
    }
    await ledger.recordImage(upload.id, { variants, processedAt: new Date() })
    const bucketUrl = s3AddressOf(config).objectUrl(variants[1]!.key)
    documents.push({
      title: `walkthrough ${i}`,
      steps: [
        { blocks: [{ type: 'image', data: { url: upload.url, srcset: variants.map((v) => `${v.url} ${v.width}w`) } }] },
        {
          blocks: [
            {
              type: 'text',
              data: { html: `<p>See <img src="${upload.url}?w=640&v=2"> or <a href="${bucketUrl}#top">this</a>.</p>` },
            },
          ],
        },
      ],
    })
  }
  const largeKey = `${config.s3KeyPrefix}w1/large.bin`
  const large = fileOf('video/mp4', LARGE_OBJECT_BYTES, 99)
  await s3.send(
    new PutObjectCommand({
      Bucket: config.s3Bucket,
      Key: largeKey,
      Body: large,
      ContentType: 'video/mp4',
      CacheControl: IMMUTABLE_CACHE_CONTROL,
    }),
  )
  objects.set(largeKey, large)
  documents.push({
    title: 'video',
    steps: [{ blocks: [{ type: 'video', data: { url: publicUrlOf(config)(largeKey) } }] }],
  })
  await options.appDb.collection('walkthroughs').insertMany(documents)
  return { objects, uploadIds, largeKey }
}

/** Every URL string in the documents (fields and inside HTML), without duplicates. */
export async function urlsIn(appDb: Db): Promise<string[]> {
  const text = JSON.stringify(
    await appDb
      .collection('walkthroughs')
      .find({}, { projection: { _id: 0 } })
      .toArray(),
  )
  return [...new Set(text.match(/https?:\/\/[^\s"'<>\\]+/g) ?? [])].map((url) => url.replace(/&amp;/g, '&'))
}

export async function countObjects(s3: S3Client, bucket: string): Promise<number> {
  let count = 0
  let token: string | undefined
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
    )
    count += page.KeyCount ?? 0
    token = page.NextContinuationToken
  } while (token)
  return count
}
