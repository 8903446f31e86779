import type { Config } from '../../config.js'
import type { VariantFormat } from '../../images/make-variants.js'
import type { PreviewOptions } from '../../images/preview-source.js'
import { defineCommand } from '../command.js'

/** The variant settings of a configuration. */
export function variantOptions(config: Config) {
  return {
    widths: config.imageWidths,
    formats: (config.imageAvif ? ['webp', 'avif'] : ['webp']) as VariantFormat[],
    maxPixels: config.imageMaxPixels,
    timeoutSeconds: config.imageTimeoutSeconds,
  }
}

/** How PDFs and videos are previewed, and the size limits of what the worker reads. */
export function previewOptions(config: Config): PreviewOptions {
  const memoryBytes = config.previewMemoryMb * 1024 * 1024
  return {
    maxImageBytes: config.maxImageBytes,
    maxDocumentBytes: config.maxDocumentBytes,
    pdf: { maxPages: config.pdfMaxPages, width: Math.max(...config.imageWidths), memoryBytes },
    video: { ffmpegPath: config.ffmpegPath, memoryBytes },
  }
}

export default defineCommand({
  usage: 'worker',
  help: `The image worker, until stopped (SIGTERM/SIGINT): makes responsive variants of every confirmed image — and of
a PDF's first page (PDF_MAX_PAGES, PREVIEW_MEMORY_MB) and a video's poster frame (ffmpeg on PATH or FFMPEG_PATH) — upright,
without EXIF/GPS, IMAGE_WIDTHS wide (default 320,640,1280,1920; never upscaled), WebP (and AVIF with IMAGE_AVIF=true) —
plus a thumbhash placeholder, records them on the upload and emits upload.processed. Any number may run at once:
each image is claimed by one. Bounded by IMAGE_MAX_PIXELS, IMAGE_TIMEOUT_SECONDS and IMAGE_CONCURRENCY.
With GC_INTERVAL_SECONDS (and GC_DB, GC_COLLECTIONS, GC_GRACE), it also runs \`hoist gc\` at start and that often.
With METRICS_PORT set, serves Prometheus metrics at :METRICS_PORT/metrics (behind METRICS_TOKEN).`,
  options: {},
  async run(_parsed, loadConfig) {
    // Tracing first (when configured), so that it patches the modules loaded after it.
    await import('../../telemetry/worker-process.js')
    const { MongoEventLog } = await import('../../events/mongo-event-log.js')
    const { imageWorker } = await import('../../images/image-worker.js')
    const { flushTraces } = await import('../../telemetry/start-tracing.js')
    const { serveWorkerMetrics, workerMetrics } = await import('../../metrics/worker-metrics.js')
    const { withDeployment } = await import('../deployment.js')
    const { gcEvery } = await import('../gc-pass.js')
    const config = await loadConfig()
    const metrics = workerMetrics(config)
    return withDeployment(config, async (deployment) => {
      const { db, ledger, store } = deployment
      const events = new MongoEventLog(db)
      await events.ensureIndexes()
      const metricsServer = metrics && (await serveWorkerMetrics(metrics, config, { db, store, events }))
      const worker = imageWorker({
        work: events.work('processing'),
        events,
        ledger,
        store,
        variants: variantOptions(config),
        previews: previewOptions(config),
        concurrency: config.imageConcurrency,
        webhooks: Boolean(config.webhookUrl),
        clock: () => new Date(),
        ...(metrics ? { countTransition: metrics.countTransition } : {}),
        onAttempt: (event, state) => {
          metrics?.countImageJob(event, state)
          console.log(
            `${event.uploadId} ${event.data.filename}: ${state.state}${state.lastError ? ` (${state.lastError})` : ''}`,
          )
        },
      })
      worker.start()
      console.error(
        `hoist: image worker started (${variantOptions(config).formats.join(', ')} at ${config.imageWidths.join(', ')} px)`,
      )
      const gc = config.gcIntervalSeconds > 0 ? gcEvery(config, deployment) : undefined
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve)
        process.once('SIGINT', resolve)
      })
      await Promise.all([worker.stop(), gc?.stop()])
      await metricsServer?.close()
      await flushTraces()
      return 0
    })
  },
})
