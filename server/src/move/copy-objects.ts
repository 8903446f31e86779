/**
 * Step 1 of a move: every object under the key prefix, copied to the target and verified — at most `concurrency` at
 * once, each holding at most one part in memory — or skipped when the target already holds a verified copy of it.
 */
import { paginateListObjectsV2 } from '@aws-sdk/client-s3'
import { mapConcurrent } from '../concurrency.js'
import type { Progress } from '../progress.js'
import { copyObject, isCopyOf, storedCopy, type BucketEnd } from './copy-object.js'
import type { MoveReport } from './report.js'

export interface ListedObject {
  key: string
  size: number
  etag: string
}

export async function listObjects(end: BucketEnd, prefix: string): Promise<ListedObject[]> {
  const listed: ListedObject[] = []
  for await (const page of paginateListObjectsV2({ client: end.client }, { Bucket: end.bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? [])
      if (object.Key) listed.push({ key: object.Key, size: object.Size ?? 0, etag: object.ETag ?? '' })
  }
  return listed
}

export interface CopyObjectsOptions {
  source: BucketEnd
  target: BucketEnd
  /** False when the target bucket does not exist yet (dry run): nothing to look up there. */
  targetExists: boolean
  dryRun: boolean
  concurrency: number
  partSize: number
  progress?: Progress
}

/** Copies what the target lacks; answers the keys whose verified copy is at the target (dry run: would be). */
export async function copyObjects(
  options: CopyObjectsOptions,
  objects: ListedObject[],
  report: MoveReport,
): Promise<Set<string>> {
  const { source, target } = options
  // Sizes only: a key the target lacks (or holds at another size) needs no HEAD to know it must be copied.
  const atTarget = new Map<string, number>()
  if (options.targetExists)
    for (const object of await listObjects(target, commonPrefix(objects))) atTarget.set(object.key, object.size)
  const verified = new Set<string>()
  options.progress?.phase('copying objects', objects.length)
  await mapConcurrent(objects, options.concurrency, async (object) => {
    try {
      if (atTarget.get(object.key) === object.size && isCopyOf(await storedCopy(target, object.key), object)) {
        report.objects.alreadyAtTarget++
        verified.add(object.key)
      } else if (options.dryRun) {
        report.objects.copied++
        report.objects.copiedBytes += object.size
        verified.add(object.key)
      } else {
        const copied = await copyObject(source, target, object.key, object.size, options.partSize)
        report.objects.copied++
        report.objects.copiedBytes += copied.size
        verified.add(object.key)
      }
    } catch (error) {
      report.objects.failed.push({ key: object.key, error: (error as Error).message })
    }
    options.progress?.tick()
  })
  options.progress?.done()
  return verified
}

/** The longest prefix every key shares (the key prefix, at least): the target is listed under it only. */
function commonPrefix(objects: ListedObject[]): string {
  if (objects.length === 0) return ''
  let prefix = objects[0]!.key
  for (const { key } of objects) while (!key.startsWith(prefix)) prefix = prefix.slice(0, -1)
  return prefix
}
