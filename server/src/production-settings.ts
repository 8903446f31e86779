/**
 * Settings that only make sense on a developer's machine, refused when NODE_ENV=production: each would either open a
 * hole (loopback webhooks, published credentials) or hand browsers URLs that point at their own machine.
 */
import type { Config } from './config.js'

/** The local stack's MinIO password (infra/stack/settings.ts, docker-compose.yml) and MinIO's own default. */
const PUBLISHED_S3_SECRETS = new Set(['hoist-local-secret-key', 'minioadmin'])

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0)$/i

function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false
  try {
    return LOOPBACK_HOST.test(new URL(url).hostname)
  } catch {
    return false
  }
}

/** One problem per development-only setting, named by its env var. */
export function developmentOnlyProblems(config: Config): string[] {
  const problems: string[] = []
  const refuse = (problem: string): number => problems.push(`${problem} (NODE_ENV=production)`)
  if (config.webhookAllowLoopback) {
    refuse('WEBHOOK_ALLOW_LOOPBACK=true is for development only: webhooks go to a public https receiver')
  }
  if (config.awsSecretAccessKey && PUBLISHED_S3_SECRETS.has(config.awsSecretAccessKey)) {
    refuse('AWS_SECRET_ACCESS_KEY is a published development password (the local MinIO): use real credentials')
  }
  if (isLoopbackUrl(config.s3Endpoint)) {
    refuse('S3_ENDPOINT is a loopback address: browsers would be sent presigned URLs to their own machine')
  }
  if (isLoopbackUrl(config.publicBaseUrl)) {
    refuse('PUBLIC_BASE_URL is a loopback address: file URLs would point at the reader’s own machine')
  }
  return problems
}
