/** Every workspace compiles under the strict base config (tsx and Vite strip types without checking them). */
import { spawnSync } from 'node:child_process'
import t from 'tap'

t.test('npm run typecheck passes', async (t) => {
  const result = spawnSync('npm', ['run', '-s', 'typecheck'], { encoding: 'utf8' })
  t.equal(result.status, 0, `${result.stdout}\n${result.stderr}`.trim().slice(0, 4000))
})
