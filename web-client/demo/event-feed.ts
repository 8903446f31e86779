import type { HoistApi, UploadEvent } from '../src/index.js'
import { element } from './format.js'

/** How often the page reads the feed (an event is there as soon as it is written). */
const POLL_MS = 2_000
const SHOWN = 50

/**
 * The workspace's upload events as they come, read from GET /v1/events — what an app without a public URL for
 * webhooks does — newest on top, with each one's webhook delivery state.
 */
export class EventFeed {
  private cursor: string | undefined
  private timer: number | undefined

  constructor(
    private readonly list: HTMLUListElement,
    private readonly empty: HTMLElement,
    private readonly api: HoistApi,
  ) {}

  start(): void {
    void this.poll()
  }

  private async poll(): Promise<void> {
    try {
      for (;;) {
        const page = await this.api.events({ limit: 100, ...(this.cursor ? { after: this.cursor } : {}) })
        this.cursor = page.nextCursor
        for (const { event, delivery } of page.items) this.show(event, delivery.state)
        if (page.items.length < 100) break
      }
    } catch {
      // Offline or signed out: try again at the next tick.
    }
    this.timer = window.setTimeout(() => void this.poll(), POLL_MS)
  }

  stop(): void {
    window.clearTimeout(this.timer)
  }

  private show(event: UploadEvent, delivery: string): void {
    const item = element('li', { 'data-event-id': event.id, 'data-type': event.type })
    item.append(
      element('time', { datetime: event.timestamp }, new Date(event.timestamp).toLocaleTimeString()),
      element('strong', {}, ` ${event.type} `),
      element('span', {}, event.data.filename),
      element('span', { class: 'muted' }, ` · webhook ${delivery}`),
    )
    this.list.prepend(item)
    while (this.list.children.length > SHOWN) this.list.lastElementChild?.remove()
    this.empty.hidden = true
  }
}
