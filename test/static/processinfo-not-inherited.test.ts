/**
 * The processes tests start run without tap's process tracker (test/support/processinfo-not-inherited.mjs): each
 * would otherwise load it through NODE_OPTIONS, and the rest of NODE_OPTIONS must still reach them.
 */
import { execFileSync } from 'node:child_process'
import t from 'tap'

t.test('a child of a test process keeps NODE_OPTIONS but not tap’s process tracker', async (t) => {
  const seen = execFileSync(
    process.execPath,
    ['-p', 'JSON.stringify([process.env.NODE_OPTIONS ?? "", Object.keys(process.env)])'],
    {
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-http-header-size=20000` },
    },
  ).toString()
  const [nodeOptions, names] = JSON.parse(seen) as [string, string[]]
  t.notMatch(nodeOptions, /processinfo/, 'no tracker in NODE_OPTIONS')
  t.match(nodeOptions, /--max-http-header-size=20000/, 'the other options are kept')
  t.same(
    names.filter((name) => name.startsWith('_TAPJS_PROCESSINFO_')),
    [],
    'none of its variables',
  )
})
