/**
 * Every `hoist` subcommand answers --help without reading configuration or touching a server, and a wrong option is a
 * usage error (exit 2) naming it — never "Unknown option" from deep inside, never a connection attempt.
 */
import { createServer, type AddressInfo } from 'node:net'
import t from 'tap'
import { runHoist } from '../helpers/cli.js'

// A listener that counts connections and never answers: the MongoDB, bucket and Redis a command would reach for. Any
// command that connected would show in the count (and hang), so "touching nothing" is observed, not timed.
let connections = 0
const trap = createServer((socket) => {
  connections++
  socket.on('error', () => undefined)
})
await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve))
t.teardown(() => void trap.close())
const trapAddress = `127.0.0.1:${(trap.address() as AddressInfo).port}`
// No settings at all but servers that do not answer: anything that reads config or connects would fail or hang.
const nowhere = {
  MONGO_URI: `mongodb://${trapAddress}/`,
  S3_ENDPOINT: `http://${trapAddress}`,
  REDIS_URL: `redis://${trapAddress}`,
  S3_BUCKET_NAME: '',
  JWT_SECRET: '',
}
const commands = [
  'bucket setup',
  'migrate',
  'move',
  'doctor',
  'sweep',
  'gc',
  'events list',
  'events redeliver',
  'events deliver',
  'worker',
  'upload',
]

t.test('hoist --help lists every command', async (t) => {
  const result = await runHoist(['--help'], nowhere)
  t.equal(result.code, 0, result.stderr)
  for (const command of commands) t.match(result.stdout, `hoist ${command}`)
})

for (const command of commands) {
  t.test(`hoist ${command} --help answers at once, touching nothing`, async (t) => {
    const before = connections
    const result = await runHoist([...command.split(' '), '--help'], nowhere)
    t.equal(result.code, 0, result.stderr)
    t.match(result.stdout, `usage: hoist ${command}`)
    t.notMatch(result.stderr, /MONGO|Invalid configuration|ECONNREFUSED/)
    t.equal(connections, before, 'no connection attempt')
  })
}

t.test('a group of subcommands lists them with --help, and is a usage error alone', async (t) => {
  for (const [group, subcommands] of [
    ['bucket', ['bucket setup']],
    ['events', ['events list', 'events redeliver', 'events deliver']],
  ] as const) {
    const help = await runHoist([group, '--help'], nowhere)
    t.equal(help.code, 0, `hoist ${group} --help: ${help.stderr}`)
    for (const command of subcommands) t.match(help.stdout, `hoist ${command}`)
    t.notMatch(help.stdout, /hoist doctor/, 'only its own subcommands')
    const alone = await runHoist([group], nowhere)
    t.equal(alone.code, 2, `hoist ${group} without a subcommand`)
    t.match(alone.stderr, `hoist ${subcommands[0]}`)
  }
})

t.test('a wrong option is a usage error naming it, with the usage', async (t) => {
  const result = await runHoist(['doctor', '--fixx'], nowhere)
  t.equal(result.code, 2)
  t.match(result.stderr, /--fixx/)
  t.match(result.stderr, /usage: hoist doctor/)
})

t.test('an unknown command lists the commands (exit 2)', async (t) => {
  const result = await runHoist(['nonsense'], nowhere)
  t.equal(result.code, 2)
  t.match(result.stderr, /hoist doctor/)
})
