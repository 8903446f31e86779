/**
 * A presign in flight on a listening API: its headers are in (onRequest ran) and its body is still arriving, so the
 * API counts it as a request being handled until `finish` sends the rest.
 */
import type { FastifyInstance } from 'fastify'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { baseUrl } from './hoist.js'
import { mintToken } from './tokens.js'

export interface RequestInFlight {
  /** Sends the rest of the body; the whole HTTP answer, once the API closes the connection. */
  finish(): Promise<string>
}

export async function presignInFlight(app: FastifyInstance, filename: string): Promise<RequestInFlight> {
  const body = JSON.stringify({ filename, contentType: 'image/png', size: 10 })
  const socket = connect(Number(new URL(baseUrl(app)).port), '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  let answer = ''
  socket.on('data', (chunk) => (answer += chunk.toString()))
  const answered = new Promise((resolve) => socket.on('end', resolve))
  socket.write(
    `POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${mintToken()}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
  )
  // Long enough for the API to read the headers and run onRequest.
  await sleep(100)
  return {
    async finish() {
      socket.write(body.slice(5))
      await answered
      return answer
    },
  }
}
