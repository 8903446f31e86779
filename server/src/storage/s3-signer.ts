/** The SigV4 signer for S3 that Hoist's hand-made requests share: presigned URLs and confirm's direct calls. */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AwsCredentialIdentity, Checksum, Provider, SourceData } from '@smithy/types'

/** node:crypto behind the Checksum interface SignatureV4 takes (its pure-JS default is several times slower). */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh()
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret))
  }

  update(data: SourceData): void {
    this.hash.update(toBuffer(data))
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest())
  }

  reset(): void {
    this.hash = this.fresh()
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

export function createS3Signer(
  region: string,
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>,
): SignatureV4 {
  return new SignatureV4({
    credentials,
    region,
    service: 's3',
    sha256: NodeSha256,
    // S3 wants the path as sent, not encoded a second time.
    uriEscapePath: false,
    applyChecksum: false,
  })
}
