/**
 * The shell examples of the README and docs/, read from the Markdown itself so a test runs what a reader copies.
 * A fence's info string says what a block needs: ```bash dev-stack``` runs against `npm run dev`'s stack; the
 * other tags name why a block cannot run in a test, and an untagged shell block is an error (so none escapes).
 */
import { readFileSync } from 'node:fs'

export const BLOCK_TAGS = {
  'dev-stack': 'runs against the dev stack (after `npm run dev`)',
  'starts-servers': 'starts long-running servers itself (npm run dev, npm test)',
  deployment: 'needs a deployment (built server, the app database)',
} as const

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console'])

export interface ShellBlock {
  /** file:line of the opening fence, for messages. */
  where: string
  tag: string | undefined
  code: string
}

export function shellBlocks(file: string): ShellBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const blocks: ShellBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S+)(?:\s+(\S+))?\s*$/.exec(lines[i]!)
    if (!open) continue
    const [, indent = '', language = '', tag] = open
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && lines[j]!.trim() !== '```'; j++) body.push(lines[j]!.slice(indent.length))
    if (SHELL_LANGUAGES.has(language)) blocks.push({ where: `${file}:${i + 1}`, tag, code: body.join('\n') })
    i = j
  }
  return blocks
}
