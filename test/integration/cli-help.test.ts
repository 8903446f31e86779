/**
 * Every `hoist` subcommand answers --help without reading configuration or touching a server, and a wrong option is a
 * usage error (exit 2) naming it — never "Unknown option" from deep inside, never a connection attempt.
 */
import t from 'tap'
import { runHoist } from '../helpers/cli.js'

// No settings at all but a MongoDB that does not answer: anything that reads config or connects would fail or hang.
const nowhere = { MONGO_URI: 'mongodb://127.0.0.1:9/', S3_BUCKET_NAME: '', JWT_SECRET: '' }
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
    const started = Date.now()
    const result = await runHoist([...command.split(' '), '--help'], nowhere)
    t.equal(result.code, 0, result.stderr)
    t.match(result.stdout, `usage: hoist ${command}`)
    t.notMatch(result.stderr, /MONGO|Invalid configuration|ECONNREFUSED/)
    t.ok(Date.now() - started < 15_000, 'no connection attempt to wait for')
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
