import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DEV_ENV_PATH, formatEnvFile, readDevEnv } from '../../server/src/cli/dev-env.js'

t.test('what npm run dev writes, the CLI reads back from a sub-folder of the repository', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hoist-dev-env-'))
  const settings = {
    S3_ENDPOINT: 'http://127.0.0.1:9000',
    MONGO_URI: 'mongodb://127.0.0.1:27017/hoist?directConnection=true',
    JWT_SECRET: 'f'.repeat(64),
    CORS_ORIGINS: 'http://127.0.0.1:5173,http://localhost:5173',
    NOTE: 'a value with spaces # and a hash',
  }
  mkdirSync(join(root, '.hoist'))
  writeFileSync(join(root, DEV_ENV_PATH), formatEnvFile(settings, '# written by a test'))
  mkdirSync(join(root, 'server', 'src'), { recursive: true })
  t.same(readDevEnv(join(root, 'server', 'src')), settings)
})

t.test('no dev.env anywhere up the tree → undefined', async (t) => {
  t.equal(readDevEnv(mkdtempSync(join(tmpdir(), 'hoist-no-dev-env-'))), undefined)
})
