/**
 * S3's multipart limits, and the part plan the server picks (the client never chooses part sizes).
 * Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
 */
export const MIN_PART_SIZE = 5 * 1024 * 1024
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
export const MAX_PARTS = 10_000
export const MAX_SINGLE_PUT_SIZE = 5 * 1024 * 1024 * 1024
export const MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE

const MiB = 1024 * 1024

export interface PartPlan {
  partSize: number
  partCount: number
}

/**
 * The preferred part size, grown (in whole MiB) only as far as needed to fit in 10,000 parts.
 * Throws for sizes S3 cannot hold in one object.
 */
export function planParts(size: number, preferredPartSize: number): PartPlan {
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`invalid size ${size}`)
  if (size > MAX_OBJECT_SIZE) throw new RangeError(`size ${size} exceeds S3's maximum object size`)
  const neededForCount = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB
  const partSize = Math.min(MAX_PART_SIZE, Math.max(MIN_PART_SIZE, preferredPartSize, neededForCount))
  return { partSize, partCount: Math.ceil(size / partSize) }
}

/** Every part is `partSize` bytes except the last, which holds the rest. */
export function partLength(size: number, plan: PartPlan, partNumber: number): number {
  if (partNumber < 1 || partNumber > plan.partCount)
    throw new RangeError(`part ${partNumber} is not in 1..${plan.partCount}`)
  return partNumber < plan.partCount ? plan.partSize : size - plan.partSize * (plan.partCount - 1)
}
