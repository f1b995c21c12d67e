// The read path's limit, part 2: a bare @fastify/http-proxy in front of the bare server, mounted
// as the gateway mounts the event service (/event-gateway → /) — no auth, breaker or hooks.
import Fastify from 'fastify'
import httpProxy from '@fastify/http-proxy'

const app = Fastify({ logger: false })
await app.register(httpProxy, { upstream: process.env.UPSTREAM, prefix: '/event-gateway', rewritePrefix: '', disableRequestLogging: true })
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`listening ${app.server.address().port}\n`)
