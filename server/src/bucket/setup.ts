/**
 * Idempotent bucket provisioning (`hoist bucket setup`, also run by `npm run dev`): the bucket, CORS for the
 * browser origins, a lifecycle rule that aborts abandoned multipart uploads, and anonymous read of the upload
 * prefix only (never listing). Each step reports created / updated / unchanged / skipped, so a second run shows
 * it changed nothing.
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  type CORSRule,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3'
import { isS3NotFound } from '../storage/s3-errors.js'
import {
  corsRules,
  lifecycleRule,
  PRIVATE_DENY_SID,
  PUBLIC_READ_SID,
  publicReadPolicy,
  type BucketPolicy,
} from './documents.js'
import { ensureNotifications, type BucketEvents } from './notifications.js'
import { assertScoped } from './scope.js'

type StepOutcome = 'created' | 'updated' | 'removed' | 'unchanged' | 'skipped'

export interface StepReport {
  step: 'bucket' | 'cors' | 'lifecycle' | 'policy' | 'notifications'
  outcome: StepOutcome
  note?: string
}

export interface BucketSetupOptions {
  bucket: string
  region: string
  keyPrefix: string
  corsOrigins: string[]
  /** public-read: anonymous s3:GetObject on the key prefix. private: no policy (serve through a CDN or presigned GETs). */
  access: 'public-read' | 'private'
  abortIncompleteMultipartAfterDays: number
  /** MinIO (community) has global CORS only and no abort-multipart lifecycle rule; see detectMinio(). */
  minio: boolean
  /** Allows the policy and lifecycle rule to cover the whole bucket when keyPrefix is empty (see scope.ts). */
  wholeBucket: boolean
  /** Where object-created notifications go (notifications.ts); default off. */
  bucketEvents?: BucketEvents
}

/** MinIO answers its own health endpoint; AWS S3 and R2 do not. */
export async function detectMinio(endpoint: string | undefined): Promise<boolean> {
  if (!endpoint) return false
  try {
    const response = await fetch(new URL('/minio/health/live', endpoint), { signal: AbortSignal.timeout(3_000) })
    return response.ok
  } catch {
    return false
  }
}

/** S3-compatible stores answer unsupported bucket sub-resources in different ways. */
function isNotImplemented(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NotImplemented' || e?.$metadata?.httpStatusCode === 501
}

function isMissingConfiguration(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? ''
  return (
    ['NoSuchCORSConfiguration', 'NoSuchLifecycleConfiguration', 'NoSuchBucketPolicy'].includes(name) ||
    isS3NotFound(error)
  )
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

async function ensureBucket(client: S3Client, options: BucketSetupOptions): Promise<StepReport> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: options.bucket }))
    return { step: 'bucket', outcome: 'unchanged' }
  } catch (error) {
    if (!isS3NotFound(error)) throw error
  }
  await client.send(
    new CreateBucketCommand({
      Bucket: options.bucket,
      // us-east-1 is S3's default and must not be named as a location constraint.
      ...(options.region === 'us-east-1'
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: options.region as never } }),
    }),
  )
  return { step: 'bucket', outcome: 'created' }
}

async function ensureCors(client: S3Client, options: BucketSetupOptions): Promise<StepReport> {
  const wanted: CORSRule[] = corsRules(options.corsOrigins)
  if (wanted.length === 0) return { step: 'cors', outcome: 'skipped', note: 'no CORS_ORIGINS configured' }
  if (options.minio) return minioCorsNote(options)
  let current: CORSRule[] | undefined
  try {
    current = (await client.send(new GetBucketCorsCommand({ Bucket: options.bucket }))).CORSRules
  } catch (error) {
    if (isNotImplemented(error)) return minioCorsNote(options)
    if (!isMissingConfiguration(error)) throw error
  }
  if (current && sameJson(normaliseCors(current), normaliseCors(wanted))) return { step: 'cors', outcome: 'unchanged' }
  try {
    await client.send(new PutBucketCorsCommand({ Bucket: options.bucket, CORSConfiguration: { CORSRules: wanted } }))
  } catch (error) {
    if (isNotImplemented(error)) return minioCorsNote(options)
    throw error
  }
  return { step: 'cors', outcome: current ? 'updated' : 'created' }
}

function minioCorsNote(options: BucketSetupOptions): StepReport {
  return {
    step: 'cors',
    outcome: 'skipped',
    note: `MinIO has no per-bucket CORS: its global MINIO_API_CORS_ALLOW_ORIGIN must allow ${options.corsOrigins.join(',')}`,
  }
}

function normaliseCors(rules: CORSRule[]): unknown {
  return rules.map((rule) => ({
    AllowedOrigins: [...(rule.AllowedOrigins ?? [])].sort(),
    AllowedMethods: [...(rule.AllowedMethods ?? [])].sort(),
    AllowedHeaders: [...(rule.AllowedHeaders ?? [])].map((h) => h.toLowerCase()).sort(),
    ExposeHeaders: [...(rule.ExposeHeaders ?? [])].map((h) => h.toLowerCase()).sort(),
    MaxAgeSeconds: rule.MaxAgeSeconds,
  }))
}

async function ensureLifecycle(client: S3Client, options: BucketSetupOptions): Promise<StepReport> {
  if (options.minio) {
    // MinIO refuses a rule whose only action is AbortIncompleteMultipartUpload, and cleans up by itself.
    return {
      step: 'lifecycle',
      outcome: 'skipped',
      note: 'MinIO removes stale multipart uploads itself (MINIO_API_STALE_UPLOADS_EXPIRY, 24h)',
    }
  }
  const wanted = lifecycleRule(options.keyPrefix, options.abortIncompleteMultipartAfterDays)
  let rules: LifecycleRule[] = []
  try {
    rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: options.bucket }))).Rules ?? []
  } catch (error) {
    if (isNotImplemented(error))
      return { step: 'lifecycle', outcome: 'skipped', note: 'this store has no lifecycle API' }
    if (!isMissingConfiguration(error)) throw error
  }
  const existing = rules.find((rule) => rule.ID === wanted.ID)
  if (
    existing &&
    existing.AbortIncompleteMultipartUpload?.DaysAfterInitiation === options.abortIncompleteMultipartAfterDays &&
    (existing.Filter?.Prefix ?? '') === options.keyPrefix &&
    existing.Status === 'Enabled'
  ) {
    return { step: 'lifecycle', outcome: 'unchanged' }
  }
  // Other teams' rules on the same bucket are kept.
  const merged = [...rules.filter((rule) => rule.ID !== wanted.ID), wanted]
  try {
    await client.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: options.bucket, LifecycleConfiguration: { Rules: merged } }),
    )
  } catch (error) {
    if (isNotImplemented(error))
      return { step: 'lifecycle', outcome: 'skipped', note: 'this store has no lifecycle API' }
    throw error
  }
  return { step: 'lifecycle', outcome: existing ? 'updated' : 'created' }
}

async function ensurePolicy(client: S3Client, options: BucketSetupOptions): Promise<StepReport> {
  let current: BucketPolicy | undefined
  try {
    const policy = (await client.send(new GetBucketPolicyCommand({ Bucket: options.bucket }))).Policy
    current = policy ? (JSON.parse(policy) as BucketPolicy) : undefined
  } catch (error) {
    if (!isMissingConfiguration(error)) throw error
  }
  const oursSids = new Set([PUBLIC_READ_SID, PRIVATE_DENY_SID])
  const others = (current?.Statement ?? []).filter((statement) => !oursSids.has(statement.Sid ?? ''))
  const currentOurs = (current?.Statement ?? []).filter((statement) => oursSids.has(statement.Sid ?? ''))
  if (options.access === 'private') {
    const note = 'private bucket: serve through a CDN or GET /v1/uploads/{id}/download'
    if (currentOurs.length === 0) return { step: 'policy', outcome: 'unchanged', note }
    // Only Hoist's statement goes; statements other teams added stay.
    if (others.length === 0) await client.send(new DeleteBucketPolicyCommand({ Bucket: options.bucket }))
    else
      await client.send(
        new PutBucketPolicyCommand({
          Bucket: options.bucket,
          Policy: JSON.stringify({ ...current, Statement: others }),
        }),
      )
    return { step: 'policy', outcome: 'removed', note: `Hoist's public-read statement removed; ${note}` }
  }
  const wanted = publicReadPolicy(options.bucket, options.keyPrefix, options.minio)
  const bySid = (statements: BucketPolicy['Statement']): unknown[] =>
    [...statements].sort((a, b) => (a.Sid ?? '').localeCompare(b.Sid ?? '')).map(normaliseStatement)
  if (sameJson(bySid(currentOurs), bySid(wanted.Statement))) {
    return { step: 'policy', outcome: 'unchanged' }
  }
  const merged: BucketPolicy = { Version: wanted.Version, Statement: [...others, ...wanted.Statement] }
  await client.send(new PutBucketPolicyCommand({ Bucket: options.bucket, Policy: JSON.stringify(merged) }))
  return { step: 'policy', outcome: currentOurs.length > 0 ? 'updated' : 'created' }
}

/** Stores echo policies back in their own spelling (arrays for single values, `{AWS: ['*']}` for `*`). */
function normaliseStatement(statement: BucketPolicy['Statement'][number]): unknown {
  const list = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).map(String).sort()
  const principal = statement.Principal
  const principals = principal === '*' ? ['*'] : list((principal as { AWS?: unknown } | undefined)?.AWS ?? principal)
  return {
    Sid: statement.Sid,
    Effect: statement.Effect,
    Action: list(statement.Action),
    Resource: list(statement.Resource),
    principals,
    Condition: statement.Condition ?? null,
  }
}

export async function setupBucket(client: S3Client, options: BucketSetupOptions): Promise<StepReport[]> {
  // Checked before anything changes: a refused run leaves the bucket as it was.
  if (options.access === 'public-read') assertScoped(options.keyPrefix, options.wholeBucket, 'grant anonymous read')
  if (!options.minio) assertScoped(options.keyPrefix, options.wholeBucket, 'add the abort-multipart lifecycle rule')
  const reports: StepReport[] = [await ensureBucket(client, options)]
  reports.push(await ensureCors(client, options))
  reports.push(await ensureLifecycle(client, options))
  reports.push(await ensurePolicy(client, options))
  reports.push({
    step: 'notifications',
    ...(await ensureNotifications(client, options.bucket, options.bucketEvents ?? 'off', options.keyPrefix)),
  })
  return reports
}
