/** freePort never hands one port to two callers within a period, whatever the kernel offers them. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { freePort, type PortClaims } from '../../infra/stack/ports.js'

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
    /offered 50 loopback ports in a row that another process had claimed/,
  )
})

t.test('without arguments it asks the kernel, and two calls get two ports', async (t) => {
  const [a, b] = await Promise.all([freePort(), freePort()])
  t.ok(a > 0 && b > 0 && a !== b, `${a} and ${b}`)
})
