/** freePort never hands one port to two callers within a period, whatever the kernel offers them. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { freePort, listeningRange, type PortClaims } from '../../infra/stack/ports.js'

const PERIOD_MS = 60_000
const folders = mkdtempSync(join(tmpdir(), 'hoist-port-claims-test-'))
t.teardown(() => rmSync(folders, { recursive: true, force: true }))

function claimsAt(nowMs: number): PortClaims {
  return { dir: mkdtempSync(join(folders, 'claims-')), periodMs: PERIOD_MS, now: () => nowMs }
}

/** A kernel that offers these ports, in turn. */
function offering(...ports: number[]): () => Promise<number> {
  return () => Promise.resolve(ports.shift() ?? 0)
}

t.test('a port handed out once is not handed out again in the same period: the next offer is taken', async (t) => {
  const claims = claimsAt(10 * PERIOD_MS)
  t.equal(await freePort(claims, offering(40001)), 40001)
  t.equal(await freePort(claims, offering(40001, 40003)), 40003)
})

t.test('a port claimed in the period before is still refused; one claimed two periods before is free', async (t) => {
  const claims = claimsAt(10 * PERIOD_MS)
  writeFileSync(join(claims.dir, '40001.9'), '')
  writeFileSync(join(claims.dir, '40005.8'), '')
  t.equal(await freePort(claims, offering(40001, 40005)), 40005)
})

t.test('claims two periods old are swept away', async (t) => {
  const claims = claimsAt(10 * PERIOD_MS)
  writeFileSync(join(claims.dir, '40007.7'), '')
  writeFileSync(join(claims.dir, '40009.9'), '')
  await freePort(claims, offering(40011))
  t.notOk(existsSync(join(claims.dir, '40007.7')), 'a stale claim is removed')
  t.ok(existsSync(join(claims.dir, '40009.9')), "last period's claim is kept")
})

t.test('a kernel that only offers claimed ports ends in an error, not a shared port', async (t) => {
  const claims = claimsAt(10 * PERIOD_MS)
  await freePort(claims, offering(40013))
  await t.rejects(
    freePort(claims, () => Promise.resolve(40013)),
    /50 free loopback ports in a row had been claimed lately by other processes/,
  )
})

t.test('servers get ports below the ephemeral range, from 20000, when that leaves at least 1000', async (t) => {
  t.same(listeningRange(32_768), { from: 20_000, to: 32_768 }, "Linux's default range")
  t.same(listeningRange(49_152), { from: 20_000, to: 49_152 }, "IANA's, as macOS has")
  t.equal(listeningRange(20_500), undefined, 'too narrow: the kernel chooses')
})

t.test('without arguments, two calls get two different ports, both below the ephemeral range', async (t) => {
  const [a, b] = await Promise.all([freePort(), freePort()])
  t.not(a, b)
  const range = listeningRange()
  t.ok(range, 'this machine has room below its ephemeral range')
  for (const port of [a, b]) t.ok(port >= range!.from && port < range!.to, `${port} in [${range!.from}, ${range!.to})`)
})
