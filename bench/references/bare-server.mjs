// The read path's limit, part 1: a bare Fastify server answering GET /event with fixed bytes (the
// event list the real service returned, BENCH_BODY_FILE) — no auth, no database, no hooks.
// Plain JavaScript so it starts without a transpiler; its own process, like the services.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const body = readFileSync(process.env.BENCH_BODY_FILE)
const app = Fastify({ logger: false })
app.get('/event', (_request, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8').send(body)
})
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`listening ${app.server.address().port}\n`)
