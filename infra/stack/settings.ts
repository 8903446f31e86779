/** What the product needs to reach an S3-compatible store. */
export interface S3Settings {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  forcePathStyle: boolean
}

/** Where the stack's servers came from: explicit env, testcontainers, or native processes built from Go. */
export type StackSource = 'env' | 'docker' | 'native'

export const LOCAL_REGION = 'us-east-1'
/** MinIO refuses root passwords under 8 characters; these only ever guard a loopback server with temp data. */
export const LOCAL_ACCESS_KEY = 'hoist-local'
export const LOCAL_SECRET_KEY = 'hoist-local-secret-key'
