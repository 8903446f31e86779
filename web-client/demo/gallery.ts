import { pictureElement } from '../src/dom.js'
import type { HoistApi, UploadView } from '../src/index.js'
import { element, formatBytes } from './format.js'

/** How wide a gallery tile shows an image (styles.css): what the browser picks a variant for. */
const TILE_SIZES = '(max-width: 600px) 45vw, 240px'

/** The workspace's confirmed files from their final URLs: image thumbnails, video players, a Delete each. */
export class Gallery {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly empty: HTMLElement,
    private readonly api: HoistApi,
    private readonly announce: (message: string) => void,
  ) {}

  async refresh(): Promise<void> {
    const records: UploadView[] = []
    let cursor: string | undefined
    do {
      const page = await this.api.list({ status: 'confirmed', limit: 100, ...(cursor ? { cursor } : {}) })
      records.push(...page.items)
      cursor = page.nextCursor
    } while (cursor && records.length < 500)
    this.list.replaceChildren(...records.map((record) => this.item(record)))
    this.empty.hidden = records.length > 0
  }

  private item(record: UploadView): HTMLLIElement {
    const li = element('li', { 'data-id': record.id })
    const figure = element('figure')
    // Images: the image worker's variants when it has made them (the browser picks the smallest that fits a tile),
    // with the blurred placeholder until one has loaded; the original otherwise.
    const media =
      record.kind === 'image'
        ? pictureElement(record, { sizes: TILE_SIZES })
        : element('video', { src: record.url ?? '', controls: '', preload: 'metadata', 'aria-label': record.filename })
    const caption = element('figcaption')
    const label = element('span', {}, `${record.filename} · ${formatBytes(record.size)}`)
    const remove = element(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Delete ${record.filename}` },
      'Delete',
    )
    remove.addEventListener('click', () => void this.remove(record, li))
    caption.append(label, remove)
    figure.append(media, caption)
    li.append(figure)
    return li
  }

  private async remove(record: UploadView, li: HTMLLIElement): Promise<void> {
    try {
      await this.api.remove(record.id)
      li.remove()
      this.empty.hidden = this.list.children.length > 0
      this.announce(`${record.filename} deleted`)
    } catch (error) {
      this.announce(`Could not delete ${record.filename}: ${(error as Error).message}`)
    }
  }
}
