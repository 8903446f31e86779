/** A small SVG bar chart of the latest run, for the README (no charting dependency: a few rectangles). */

export interface Panel {
  title: string
  unit: string
  bars: { label: string; value: number; highlight?: boolean }[]
}

const WIDTH = 880
const LABEL_WIDTH = 330
const BAR_HEIGHT = 20
const GAP = 6

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = ['']
  for (const word of text.split(' ')) {
    if ((lines.at(-1)! + ' ' + word).trim().length > width) lines.push(word)
    else lines[lines.length - 1] = `${lines.at(-1)} ${word}`.trim()
  }
  return lines
}

export function renderChart(title: string, subtitle: string, panels: Panel[]): string {
  const parts: string[] = []
  let y = 84
  for (const panel of panels) {
    parts.push(`<text x="16" y="${y}" class="panel">${escape(panel.title)}</text>`)
    y += 12
    const max = Math.max(...panel.bars.map((bar) => bar.value), 1)
    for (const bar of panel.bars) {
      const length = Math.max(2, Math.round(((WIDTH - LABEL_WIDTH - 110) * bar.value) / max))
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" class="label" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${length}" height="${BAR_HEIGHT - 4}" rx="3" fill="${bar.highlight ? '#2f5bea' : '#9aa6bd'}"/>`,
        `<text x="${LABEL_WIDTH + length + 6}" y="${y + 15}" class="value">${bar.value.toLocaleString('en-US')} ${escape(panel.unit)}</text>`,
      )
      y += BAR_HEIGHT + GAP
    }
    y += 22
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, sans-serif">
<style>.title{font-size:17px;font-weight:600;fill:#1d2330}.sub{font-size:11px;fill:#5b6475}.panel{font-size:13px;font-weight:600;fill:#1d2330}.label{font-size:12px;fill:#1d2330}.value{font-size:11px;fill:#1d2330}</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="16" y="24" class="title">${escape(title)}</text>
${wrap(subtitle, 130)
  .map((line, i) => `<text x="16" y="${42 + i * 14}" class="sub">${escape(line)}</text>`)
  .join('\n')}
${parts.join('\n')}
</svg>
`
}
