/**
 * Credentials limited by an IAM policy, from MinIO's STS AssumeRole with the policy inline: what the API gets in a
 * deployment that follows infra/aws/iam-policy.json. Signed by hand (SigV4 for `sts`) to need no STS client.
 */
import { createHash, createHmac } from 'node:crypto'
import type { S3Settings } from '../../infra/stack/index.js'

export interface SessionCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
}

const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()

export async function assumeRoleWithPolicy(s3: S3Settings, policy: unknown): Promise<SessionCredentials> {
  const url = new URL(s3.endpoint)
  const body = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    DurationSeconds: '3600',
    Policy: JSON.stringify(policy),
  }).toString()
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')
  const scope = `${amzDate.slice(0, 8)}/${s3.region}/sts/aws4_request`
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    host: url.host,
    'x-amz-content-sha256': sha256Hex(body),
    'x-amz-date': amzDate,
  }
  const names = Object.keys(headers).sort()
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((name) => `${name}:${headers[name]}`),
    '',
    names.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n')
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n')
  const key = ['sts', 'aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(hmac(`AWS4${s3.secretAccessKey}`, amzDate.slice(0, 8)), s3.region),
  )
  const signature = createHmac('sha256', key).update(toSign).digest('hex')
  const response = await fetch(`${url.origin}/`, {
    method: 'POST',
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${s3.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
    },
    body,
  })
  const xml = await response.text()
  if (!response.ok) throw new Error(`AssumeRole ${response.status}: ${xml}`)
  const field = (tag: string): string => {
    const value = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1]
    if (!value) throw new Error(`AssumeRole answered without ${tag}`)
    return value
  }
  return {
    accessKeyId: field('AccessKeyId'),
    secretAccessKey: field('SecretAccessKey'),
    sessionToken: field('SessionToken'),
  }
}
