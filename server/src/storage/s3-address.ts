/**
 * Where a key lives on the wire: path-style (`endpoint/bucket/key`, MinIO and most S3-compatible stores) or
 * virtual-hosted (`bucket.host/key`, AWS). Mirrors the SDK's choice so hand-signed URLs match its URLs.
 */
export interface S3AddressOptions {
  bucket: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
}

export interface RequestTarget {
  protocol: string
  hostname: string
  port?: number
  /** Already URI-encoded, as S3 expects it in the canonical request (S3 does not double-encode). */
  path: string
}

/** RFC 3986 encoding, as SigV4 requires: encodeURIComponent leaves !'()* alone. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}

export function encodeKey(key: string): string {
  return key.split('/').map(uriEncode).join('/')
}

export class S3Address {
  private readonly base: URL
  private readonly pathStyle: boolean

  constructor(private readonly options: S3AddressOptions) {
    this.base = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`)
    // Bucket names with dots break TLS wildcard certificates in virtual-hosted style; the SDK falls back too.
    this.pathStyle = options.forcePathStyle || options.bucket.includes('.')
  }

  target(key: string): RequestTarget {
    const port = this.base.port ? Number(this.base.port) : undefined
    const basePath = this.base.pathname.replace(/\/$/, '')
    return this.pathStyle
      ? {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port,
          path: `${basePath}/${this.options.bucket}/${encodeKey(key)}`,
        }
      : {
          protocol: this.base.protocol,
          hostname: `${this.options.bucket}.${this.base.hostname}`,
          port,
          path: `${basePath}/${encodeKey(key)}`,
        }
  }

  /** The object's URL without any query: public when the bucket (or prefix) allows anonymous reads. */
  objectUrl(key: string): string {
    const { protocol, hostname, port, path } = this.target(key)
    return `${protocol}//${hostname}${port ? `:${port}` : ''}${path}`
  }
}
