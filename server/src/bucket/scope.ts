/**
 * Destructive or public maintenance (doctor --fix, the public-read policy, the abort-multipart lifecycle rule) acts
 * under S3_KEY_PREFIX only. With an empty prefix it would act on every object in a bucket the app may share, so it
 * needs an explicit whole-bucket flag.
 */
export class WholeBucketRefusedError extends Error {
  constructor(action: string) {
    super(
      `refusing to ${action} on the whole bucket: S3_KEY_PREFIX is empty, so it would reach every object in it, ` +
        "including files that are not Hoist's. Set S3_KEY_PREFIX (e.g. uploads/), or pass --whole-bucket if the bucket is Hoist's alone.",
    )
    this.name = 'WholeBucketRefusedError'
  }
}

export function assertScoped(keyPrefix: string, wholeBucket: boolean, action: string): void {
  if (keyPrefix === '' && !wholeBucket) throw new WholeBucketRefusedError(action)
}
