import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { sleep } from './helpers.js'

/** One request the receiver got. */
export interface ReceivedGrant {
  key: string
  /** The nth request with this key (1-based). */
  nth: number
  headers: IncomingHttpHeaders
  /** The exact bytes sent, for checking the signature. */
  raw: string
  body: Record<string, unknown>
  /** What it answered; `aborted` while (or if) the caller gave up first. */
  status: number | 'aborted'
}

/**
 * What the receiver does with a request: grant the reward (or not), wait, then answer. `hang`
 * never answers. The default is an idempotent receiver as the IETF Idempotency-Key draft has
 * it: the first request with a key grants and answers 200; a repeat replays the 200 without
 * granting again.
 */
export type Behaviour = (request: ReceivedGrant, receiver: DeliveryReceiver) =>
  | { status: number; grant?: boolean; delayMs?: number; text?: string }
  | 'hang'
  | Promise<{ status: number; grant?: boolean; delayMs?: number; text?: string } | 'hang'>

export const idempotentReceiver: Behaviour = (request, receiver) => {
  if (receiver.inFlightFor(request.key) > 1) return { status: 409, text: '{"title":"A request with this key is still being processed"}' }
  return receiver.granted(request.key) > 0 ? { status: 200 } : { status: 200, grant: true }
}
/** Always the same answer, granting nothing. */
export const answering = (status: number, text = ''): Behaviour => () => ({ status, text })

/**
 * Stands in for the reward-delivery system on a real port: records every request, keeps its
 * own ledger of grants per Idempotency-Key, and answers as `behaviour` says.
 */
export class DeliveryReceiver {
  behaviour: Behaviour = idempotentReceiver
  readonly requests: ReceivedGrant[] = []
  private readonly ledger = new Map<string, number>()
  private readonly inFlight = new Map<string, number>()
  maxInFlightPerKey = 0
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let raw = ''
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()))
      request.on('end', async () => {
        const key = String(request.headers['idempotency-key'])
        const received: ReceivedGrant = {
          key,
          nth: this.requestsFor(key).length + 1,
          headers: request.headers,
          raw,
          body: JSON.parse(raw) as Record<string, unknown>,
          status: 'aborted'
        }
        this.requests.push(received)
        this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1)
        this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, this.inFlight.get(key)!)
        const done = () => this.inFlight.set(key, this.inFlight.get(key)! - 1)
        const answer = await this.behaviour(received, this)
        if (answer === 'hang') {
          response.on('close', done)
          return
        }
        if (answer.grant) this.ledger.set(key, this.granted(key) + 1)
        if (answer.delayMs) await sleep(answer.delayMs)
        done()
        if (response.destroyed) return
        received.status = answer.status
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text ?? JSON.stringify({ status: answer.status }))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    this.url = `http://127.0.0.1:${address.port}/grants`
  }

  /** How many times the receiver granted this key (an exactly-once delivery: 1). */
  granted = (key: string) => this.ledger.get(key) ?? 0
  requestsFor = (key: string) => this.requests.filter((request) => request.key === key)
  inFlightFor = (key: string) => this.inFlight.get(key) ?? 0

  reset(): void {
    this.behaviour = idempotentReceiver
    this.requests.length = 0
    this.ledger.clear()
    this.maxInFlightPerKey = 0
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise((resolve) => this.server?.close(resolve))
  }
}
