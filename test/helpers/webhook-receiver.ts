/**
 * A real webhook receiver on loopback, verifying every delivery with the `standardwebhooks` package (what a
 * receiver written in TypeScript would use). `answer` decides each response, e.g. 500 three times then 200.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import type { Test } from 'tap'
import type { UploadEvent } from '../../protocol/src/events.js'

export interface Delivery {
  id: string
  verified: boolean
  event: UploadEvent
  headers: IncomingMessage['headers']
}

export interface WebhookReceiver {
  url: string
  secret: string
  deliveries: Delivery[]
  /** Resolves once `count` deliveries matching `where` have arrived (or rejects after `ms`). */
  waitFor(count: number, where?: (delivery: Delivery) => boolean, ms?: number): Promise<Delivery[]>
}

function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export async function startWebhookReceiver(
  t: Test,
  answer: (delivery: Delivery, index: number) => number | Promise<number> = () => 200,
): Promise<WebhookReceiver> {
  const secret = newWebhookSecret()
  const verifier = new Webhook(secret)
  const deliveries: Delivery[] = []
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      let verified = true
      let event: UploadEvent
      try {
        event = verifier.verify(body, request.headers as Record<string, string>) as UploadEvent
      } catch {
        verified = false
        event = JSON.parse(body) as UploadEvent
      }
      const delivery = { id: String(request.headers['webhook-id']), verified, event, headers: request.headers }
      deliveries.push(delivery)
      void Promise.resolve(answer(delivery, deliveries.length - 1)).then((status) => response.writeHead(status).end())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hoist`,
    secret,
    deliveries,
    async waitFor(count, where = () => true, ms = 20_000) {
      const deadline = Date.now() + ms
      for (;;) {
        const matching = deliveries.filter(where)
        if (matching.length >= count) return matching
        if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${count} deliveries; got ${matching.length}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
  }
}
