/** An image worker in the test process, on a test API's database and bucket. */
import type { Db } from 'mongodb'
import type { Test } from 'tap'
import type { Config } from '../../server/src/config.js'
import { MongoEventLog } from '../../server/src/events/mongo-event-log.js'
import type { OutboxWorker } from '../../server/src/events/outbox-worker.js'
import { previewOptions } from '../../server/src/cli/commands/worker.js'
import { imageWorker } from '../../server/src/images/image-worker.js'
import type { PreviewOptions } from '../../server/src/images/preview-source.js'
import { MongoLedger } from '../../server/src/storage/mongo-ledger.js'
import { openObjectStore } from '../../server/src/storage/open-object-store.js'

export interface TestImageWorker {
  /** A worker whose clock is `clock` (tests move it on so retries come due). */
  create(clock?: () => Date): OutboxWorker
  /** Runs passes until no image job is left, letting 15 minutes pass between them so retries come due. */
  drain(): Promise<void>
}

/** `video` overrides the config's ffmpeg settings (a missing FFMPEG_PATH). */
export function testImageWorker(
  t: Test,
  db: Db,
  config: Config,
  video: Partial<PreviewOptions['video']> = {},
): TestImageWorker {
  const store = openObjectStore(config)
  t.teardown(() => store.close())
  const events = new MongoEventLog(db)
  const ledger = new MongoLedger(db, { webhooks: false })
  const create = (clock: () => Date = () => new Date()): OutboxWorker =>
    imageWorker({
      work: events.work('processing'),
      events,
      ledger,
      store,
      variants: { widths: config.imageWidths, formats: ['webp'], maxPixels: config.imageMaxPixels, timeoutSeconds: 30 },
      previews: { ...previewOptions(config), video: { ...previewOptions(config).video, ...video } },
      concurrency: 1,
      webhooks: false,
      clock,
      pollMs: 200,
    })
  return {
    create,
    async drain() {
      let offset = 0
      const run = create(() => new Date(Date.now() + offset))
      for (let pass = 0; pass < 20; pass++) {
        await run.runOnce()
        if ((await events.work('processing').due(new Date(Date.now() + 365 * 86_400_000), 1)).length === 0) return
        offset += 15 * 60_000
      }
    },
  }
}
