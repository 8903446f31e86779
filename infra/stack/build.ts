/** `tsx infra/stack/build.ts`: builds (or finds cached) the native servers; .ci/run calls it before the tests. */
import { binaryPaths, ensureServerBinaries } from './binaries.js'

const started = Date.now()
const paths = binaryPaths()
await ensureServerBinaries((line) => console.log(line))
console.log(
  `hoist: native servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s:\n  ${paths.minio}\n  ${paths.ferretdb}`,
)
