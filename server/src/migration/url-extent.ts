/**
 * Where a legacy URL ends in text. Legacy apps stored file names as typed, so `a b.png`, `café menu.png` and
 * `shot (1).png` appear unencoded in whole-field values, absolute URLs and HTML or Markdown. A space, a bracket or
 * punctuation ends a URL only when the longer reading names no file on disk: the longest reading that names a file
 * wins, and when none does the URL ends at the first such character (it is then reported as missing).
 */

/** Characters that end a URL whatever the files are called: quotes, angle brackets, backticks, line breaks. */
const HARD_END = /["'<>`\t\r\n]/
/** Characters before which a shorter reading of the path may end. */
const SOFT_END = /[\s()[\]{},.;:!]/
/** A URL naming no file on disk: up to the first space, bracket or comma (how URLs are usually delimited). */
const CONSERVATIVE = /^[^\s"'<>()[\]{}`,]+/
/** The query string or fragment after a file's path. */
const QUERY = /^[?#][^\s"'<>()[\]{}`,]*/
/** Longer than any legacy file path: bounds the work per URL in long text. */
const MAX_URL_CHARS = 1024

/**
 * Length of the URL body that starts at `from` in `text` (the part after the old prefix), 0 when there is none.
 * `namesFile(path)` tells whether a path (as written, before decoding) names a file on disk.
 */
export function urlBodyLength(text: string, from: number, namesFile: (path: string) => boolean): number {
  const window = text.slice(from, from + MAX_URL_CHARS)
  const hardEnd = window.search(HARD_END)
  const region = hardEnd === -1 ? window : window.slice(0, hardEnd)
  const queryStart = region.search(/[?#]/)
  const path = queryStart === -1 ? region : region.slice(0, queryStart)
  for (let end = path.length; end > 0; end--) {
    if (end < path.length && !SOFT_END.test(path[end]!)) continue
    if (namesFile(path.slice(0, end))) return end + (QUERY.exec(region.slice(end))?.[0].length ?? 0)
  }
  return CONSERVATIVE.exec(region)?.[0].length ?? 0
}
