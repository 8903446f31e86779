/** docs/SECURITY-CONTROLS.md points at the code and tests behind each control: every path it names must exist. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

const DOC = 'docs/SECURITY-CONTROLS.md'
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', '.tap', '.hoist'])
/** Names in backticks that are not this repository's files. */
const NOT_FILES = new Map([
  ['shared/SECURITY.md', 'the checklist, in the steering repository'],
  ['report.html', 'an example of a user’s filename'],
])
const PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*(\.(ts|tsx|js|mjs|json|ya?ml|md|html|toml|txt)|\/)$/

/** Every file and folder of the repository, as paths from its root ('server/src/app.ts', 'server/src/'). */
function repositoryPaths(dir = '.', prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_DIRS.has(entry.name)) return []
    const path = `${prefix}${entry.name}`
    return entry.isDirectory() ? [`${path}/`, ...repositoryPaths(join(dir, entry.name), `${path}/`)] : [path]
  })
}

const paths = repositoryPaths()
const roots = new Set(paths.map((path) => path.split('/')[0]))
const named = [...new Set([...readFileSync(DOC, 'utf8').matchAll(/`([^`\s]+)`/g)].map((match) => match[1]!))].filter(
  (token) => PATH.test(token) && !NOT_FILES.has(token),
)

t.test(`every path ${DOC} names exists`, async (t) => {
  t.ok(named.length > 50, `it names paths (${named.length})`)
  for (const path of named) {
    // From the root (`server/src/uploads/quota.ts`), or the tail of one after the row named its folder (`quota.ts`).
    const fromRoot = roots.has(path.split('/')[0]) && path.includes('/')
    const found = paths.includes(path) || (!fromRoot && paths.some((candidate) => candidate.endsWith(`/${path}`)))
    t.ok(found, path)
  }
})
