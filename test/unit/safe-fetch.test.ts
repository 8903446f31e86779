/** SECURITY.md control 20: the migration fetches only https URLs on public addresses, redirects included. */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { guardedFetch, isPrivateAddress, RefusedUrlError } from '../../server/src/migration/safe-fetch.js'

t.test('cloud metadata, loopback, private and link-local addresses are refused', async (t) => {
  for (const url of [
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/x',
    'https://127.0.0.1/x',
    'https://10.1.2.3/x',
    'https://192.168.0.9/x',
    'https://[fd00::1]/x',
    'https://[::ffff:127.0.0.1]/x',
  ]) {
    await t.rejects(guardedFetch(url, []), RefusedUrlError, url)
  }
})

t.test('plain http is refused', async (t) => {
  await t.rejects(guardedFetch('http://203.0.113.10/x', []), /only https/)
})

t.test('a redirect from a trusted origin to a private address is refused', async (t) => {
  const server = createServer((_request, response) => {
    response.writeHead(302, { location: 'https://10.0.0.5/internal' })
    response.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await t.rejects(guardedFetch(`${origin}/file.png`, [origin]), /10\.0\.0\.5/)
})

t.test('a trusted origin (the configured bucket or CDN) is fetched', async (t) => {
  const server = createServer((_request, response) => response.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.equal(await (await guardedFetch(`${origin}/file.png`, [origin])).text(), 'ok')
})

t.test('address classification', async (t) => {
  t.ok(isPrivateAddress('100.64.0.1'), 'carrier-grade NAT')
  t.ok(isPrivateAddress('fe80::1'), 'IPv6 link-local')
  t.notOk(isPrivateAddress('93.184.216.34'))
  t.notOk(isPrivateAddress('2606:4700::1111'))
})
