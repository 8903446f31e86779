/** The bucket documents Hoist writes: CORS rules, the lifecycle rule, the public-read policy. */
import type { CORSRule, LifecycleRule } from '@aws-sdk/client-s3'
import { PRIVATE_FOLDER } from './private-keys.js'

interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Principal?: unknown
  Action: string | string[]
  Resource: string | string[]
  Condition?: unknown
}

export interface BucketPolicy {
  Version: string
  Statement: PolicyStatement[]
}

const LIFECYCLE_RULE_ID = 'hoist-abort-incomplete-multipart'
export const PUBLIC_READ_SID = 'HoistPublicReadUploads'
export const PRIVATE_DENY_SID = 'HoistNeverPublicPrivateFolder'

/**
 * Browsers PUT straight to the bucket: they need the signed headers allowed. No response header needs exposing: Hoist's
 * clients keep no ETags (the server completes multipart uploads from the bucket's own part list). GET/HEAD serve the
 * files to pages on those origins.
 */
export function corsRules(origins: string[]): CORSRule[] {
  if (origins.length === 0) return []
  return [
    {
      AllowedOrigins: origins,
      AllowedMethods: ['PUT', 'GET', 'HEAD'],
      AllowedHeaders: ['content-type', 'cache-control', 'if-none-match', 'x-amz-checksum-sha256', 'content-md5'],
      MaxAgeSeconds: 3600,
    },
  ]
}

/** Abandoned multipart uploads hold storage invisibly; S3 removes them after this many days. */
export function lifecycleRule(keyPrefix: string, days: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled',
    Filter: { Prefix: keyPrefix },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: days },
  }
}

/**
 * Anonymous GetObject on the upload prefix only: never s3:ListBucket (which would expose every workspace's keys), and
 * never its private folder (quarantined files: private-keys.ts). The deny must not reach Hoist's own credentials: MinIO
 * applies bucket policies to anonymous requests only (its owner and IAM users are governed by their own policies) and
 * refuses the condition keys that tell anonymous apart; AWS applies them to everyone, so there the deny is limited to
 * requests without a principal (aws:PrincipalArn is absent from anonymous requests only).
 */
export function publicReadPolicy(bucket: string, keyPrefix: string, minio: boolean): BucketPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: PUBLIC_READ_SID,
        Effect: 'Allow',
        Principal: { AWS: ['*'] },
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${bucket}/${keyPrefix}*`],
      },
      {
        Sid: PRIVATE_DENY_SID,
        Effect: 'Deny',
        Principal: { AWS: ['*'] },
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${bucket}/${keyPrefix}${PRIVATE_FOLDER}*`],
        ...(minio ? {} : { Condition: { Null: { 'aws:PrincipalArn': 'true' } } }),
      },
    ],
  }
}
