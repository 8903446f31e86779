/**
 * A legacy app's data shaped like the user's: users, workspaces, walkthroughs with steps and blocks, version
 * snapshots, and a backend/uploads directory — with every awkward case a real one has.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { MongoClient, ObjectId, type Db } from 'mongodb'
import type { Test } from 'tap'
import { fileOf, sha256Hex } from './fixtures.js'
import { uniqueName } from './hoist.js'
import { pngImage } from './png.js'

export const OLD_HOST = 'https://old-api.example.com'

export interface LegacyDataset {
  dir: string
  dbName: string
  db: Db
  /** sha256 of each file on disk, by its path under the uploads directory (NFC, as URLs name it). */
  files: Map<string, string>
  /** Files named as users name them (spaces, `+`, accents, parentheses), by the fields of `pages` that name them. */
  awkward: { field: string; files: string[] }[]
  /** URLs that must stay as they are (missing file, another host). */
  untouched: string[]
}

export async function createLegacyDataset(t: Test, mongoUri: string): Promise<LegacyDataset> {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-legacy-uploads-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const files = new Map<string, string>()
  const write = (path: string, bytes: Buffer): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), bytes)
    files.set(path.normalize('NFC'), sha256Hex(bytes))
  }
  const cover = pngImage(200, 120, [250, 120, 30])
  write('cover.png', cover)
  write('copies/cover-copy.png', cover) // the same bytes stored twice
  write('photos/avatar.jpg', fileOf('image/jpeg', 40_000, 2))
  write('logo.png', pngImage(64, 64, [20, 40, 250]))
  write('mon image é.png', pngImage(50, 50, [10, 200, 10]))
  write('intro.mp4', fileOf('video/mp4', 300_000, 3))
  write('inline.gif', fileOf('image/gif', 5_000, 4))
  write('docs/guide.pdf', Buffer.from('%PDF-1.4\n% a guide\n'))
  write('orphan.webp', fileOf('image/webp', 9_000, 5)) // referenced by nothing
  write('a b.png', pngImage(30, 30, [1, 2, 3]))
  write('café menu.png', pngImage(31, 31, [4, 5, 6]))
  write('shot (1).png', pngImage(32, 32, [7, 8, 9]))
  write('a+b.png', pngImage(33, 33, [10, 11, 12]))
  write('crème brûlée.png'.normalize('NFD'), pngImage(34, 34, [13, 14, 15])) // as macOS writes it

  const client = await new MongoClient(mongoUri).connect()
  const dbName = uniqueName('legacy').replace('-', '_')
  const db = client.db(dbName)
  t.teardown(async () => {
    await db.dropDatabase().catch(() => undefined)
    await client.close()
  })
  const workspaceId = new ObjectId()
  const untouched = ['/uploads/missing-screenshot.png', 'https://cdn.other.example/uploads/cover.png']
  await db.collection('users').insertMany([
    { email: 'ada@example.com', name: 'Ada', avatarUrl: `${OLD_HOST}/uploads/photos/avatar.jpg` },
    { email: 'bob@example.com', name: 'Bob', avatarUrl: null },
  ])
  await db
    .collection('workspaces')
    .insertOne({ _id: workspaceId, name: 'Docs', branding: { logo: '/uploads/logo.png?v=3' } })
  const steps = [
    {
      title: 'Welcome',
      blocks: [
        { type: 'image', data: { url: '/uploads/cover.png', caption: 'Cover' } },
        {
          type: 'text',
          data: {
            html: '<p>Look: <img src="/uploads/inline.gif"> and <a href="/uploads/docs/guide.pdf">the guide</a></p>',
          },
        },
      ],
    },
    {
      title: 'Video',
      blocks: [
        { type: 'video', data: { src: `${OLD_HOST}/uploads/intro.mp4`, poster: '/uploads/mon%20image%20%C3%A9.png' } },
        { type: 'image', data: { url: untouched[0] } },
        { type: 'image', data: { url: untouched[1] } },
      ],
    },
  ]
  const walkthrough = await db
    .collection('walkthroughs')
    .insertOne({ workspaceId, title: 'Getting started', createdAt: new Date('2025-03-01'), steps })
  await db.collection('version_snapshots').insertMany([
    { walkthroughId: walkthrough.insertedId, version: 1, snapshot: { title: 'Getting started', steps: [steps[0]] } },
    {
      walkthroughId: walkthrough.insertedId,
      version: 2,
      snapshot: { coverImage: `${OLD_HOST}/uploads/copies/cover-copy.png` },
    },
  ])
  await db.collection('categories').insertOne({ name: 'No uploads here', count: 3 })
  const awkward = [
    { field: 'cover', value: '/uploads/a b.png', files: ['a b.png'] },
    { field: 'menu', value: `${OLD_HOST}/uploads/café menu.png`, files: ['café menu.png'] },
    { field: 'shot', value: '/uploads/shot (1).png', files: ['shot (1).png'] },
    { field: 'plus', value: `${OLD_HOST}/uploads/a+b.png`, files: ['a+b.png'] },
    { field: 'dessert', value: '/uploads/crème brûlée.png', files: ['crème brûlée.png'] },
    {
      field: 'absolute',
      value: `${OLD_HOST}/uploads/a b.png ${OLD_HOST}/uploads/shot (1).png`,
      files: ['a b.png', 'shot (1).png'],
    },
    {
      field: 'html',
      value: `<p><img src="/uploads/a b.png"><img src="${OLD_HOST}/uploads/café menu.png"><img src="/uploads/shot (1).png"><img src="/uploads/a+b.png"></p>`,
      files: ['a b.png', 'café menu.png', 'shot (1).png', 'a+b.png'],
    },
    {
      field: 'markdown',
      value: `![a](/uploads/a%20b.png) ![m](/uploads/caf%C3%A9%20menu.png) ![s](/uploads/shot (1).png) ![d](/uploads/${'crème brûlée'.normalize('NFD')}.png)`,
      files: ['a b.png', 'café menu.png', 'shot (1).png', 'crème brûlée.png'],
    },
  ]
  await db
    .collection('pages')
    .insertOne({ title: 'Awkward names', ...Object.fromEntries(awkward.map(({ field, value }) => [field, value])) })
  return { dir, dbName, db, files, untouched, awkward: awkward.map(({ field, files }) => ({ field, files })) }
}

/** Every string in every document of the database, for "did anything change" and "what do URLs point at". */
export async function allStrings(db: Db): Promise<string[]> {
  const strings: string[] = []
  const walk = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value)
    else if (Array.isArray(value)) value.forEach(walk)
    else if (value && typeof value === 'object' && !(value instanceof ObjectId) && !(value instanceof Date))
      Object.values(value).forEach(walk)
  }
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    for (const doc of await db.collection(name).find({}).sort({ _id: 1 }).toArray()) walk(doc)
  }
  return strings.sort()
}
