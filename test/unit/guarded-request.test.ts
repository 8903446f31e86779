/**
 * Outbound requests to addresses Hoist does not control (webhook receivers, URLs the migration checks) — controls 20
 * and 25: https to public addresses only, checked on the address the connection really uses; no redirect followed.
 */
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import type { LookupAddress } from 'node:dns'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { isPublicAddress } from '../../server/src/net/addresses.js'
import { guardedRequest, RefusedUrlError } from '../../server/src/net/guarded-request.js'
import { headPublicUrl } from '../../server/src/migration/safe-fetch.js'

const policy = { allowLoopback: false, timeoutMs: 2_000 }

t.test('private, loopback, link-local, reserved and IPv4-embedding IPv6 addresses are refused', async (t) => {
  for (const host of [
    '169.254.169.254',
    '127.0.0.1',
    '10.1.2.3',
    '192.168.0.9',
    '100.64.0.1',
    '198.18.0.1',
    '192.0.0.8',
    '0.0.0.0',
    '[::1]',
    '[::]',
    '[fd00::1]',
    '[fe80::1]',
    '[fec0::1]',
    '[::127.0.0.1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:0:7f00:1]',
    '[64:ff9b::7f00:1]',
    '[2002:7f00:1::1]',
    '[2001::1]',
  ]) {
    await t.rejects(guardedRequest(`https://${host}/x`, { ...policy, method: 'GET' }), RefusedUrlError, host)
  }
  t.ok(isPublicAddress('93.184.216.34'))
  t.ok(isPublicAddress('2606:4700::1111'))
})

t.test('plain http and credentials in the URL are refused', async (t) => {
  await t.rejects(guardedRequest('http://93.184.216.34/x', { ...policy, method: 'GET' }), /only https/)
  await t.rejects(guardedRequest('https://user:pw@example.com/x', { ...policy, method: 'GET' }), /credentials/)
})

t.test('WEBHOOK_ALLOW_LOOPBACK allows plain http to loopback only, never to another host', async (t) => {
  const loopback = { ...policy, allowLoopback: true, method: 'GET' as const }
  await t.rejects(guardedRequest('http://93.184.216.34/x', loopback), /only https/, 'a public address')
  await t.rejects(guardedRequest('http://example.com/x', loopback), /only https/, 'a host name')
  // `localhost` is allowed by name, so what it resolves to must be loopback too.
  const publicLocalhost = ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
    callback(null, [{ address: '93.184.216.34', family: 4 }])) as never
  await t.rejects(
    guardedRequest('http://localhost/x', { ...loopback, dnsLookup: publicLocalhost }),
    /resolves to an address that is not loopback/,
    'localhost resolving to a public address',
  )
})

t.test('a private answer at connect time is refused', async (t) => {
  let lookups = 0
  const loopback = ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) => {
    lookups++
    callback(null, [{ address: '127.0.0.1', family: 4 }])
  }) as never
  await t.rejects(
    guardedRequest('https://rebind.example/x', { ...policy, method: 'GET', dnsLookup: loopback }),
    /resolves to a private/,
  )
  t.equal(lookups, 1)
})

t.test('a host name is resolved once, inside the connection: a rebinding answer cannot slip through', async (t) => {
  // The first answer is this machine (allowed by this policy) and is where a server listens; every later answer is
  // 127.0.0.2, where nothing listens. A client that checks one resolution and lets its socket resolve again would
  // connect there (or, resolving with the system, find nothing): only a single, checked resolution reaches the server.
  let connections = 0
  const server = createNetServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  let lookups = 0
  const rebinding = ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) => {
    lookups++
    callback(null, [{ address: lookups === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }])
  }) as never
  const port = (server.address() as AddressInfo).port
  const url = `https://rebind.example:${port}/x`
  // The server hangs up without TLS: the request fails, after connecting to the checked address.
  await t.rejects(guardedRequest(url, { ...policy, allowLoopback: true, method: 'GET', dnsLookup: rebinding }))
  t.equal(lookups, 1, 'one resolution')
  t.equal(connections, 1, 'and the socket connected to the address it gave')
})

t.test(
  'loopback is allowed only when the policy says so (development receivers), and redirects are not followed',
  async (t) => {
    const server = createServer((_request, response) => {
      response.writeHead(302, { location: 'https://10.0.0.5/internal' })
      response.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    await t.rejects(guardedRequest(url, { ...policy, method: 'POST' }), RefusedUrlError)
    const answer = await guardedRequest(url, { ...policy, allowLoopback: true, method: 'POST', body: '{}' })
    t.equal(answer.status, 302, 'the redirect is the answer; nothing went to 10.0.0.5')
  },
)

t.test('the migration’s check: a redirect from a trusted origin to a private address is refused', async (t) => {
  const server = createServer((_request, response) => {
    response.writeHead(302, { location: 'https://10.0.0.5/internal' })
    response.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  await t.rejects(headPublicUrl(`${origin}/file.png`, [origin]), /10\.0\.0\.5/)
})

t.test('the migration’s check: a trusted origin (the configured bucket or CDN) is requested', async (t) => {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-length': '2' }).end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.same(await headPublicUrl(`${origin}/file.png`, [origin]), { status: 200, contentLength: 2 })
})
