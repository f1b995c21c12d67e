/**
 * Preloaded into a service by `npm run bench -- --heap` (`node --expose-gc --import=…`), never in
 * production: on SIGUSR2 the process collects its garbage (twice: the second pass frees what the
 * first only finalised), writes `<HEAP_PROBE_DIR>/<name>-<n>.json` with its memory right after
 * that collection, then a heap snapshot `<name>-<n>.heapsnapshot` beside it, and collects again
 * (the snapshot's own buffers). Nothing of this is reachable over any port: only a signal from
 * the machine triggers it.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'

const dir = process.env.HEAP_PROBE_DIR
const name = process.env.HEAP_PROBE_NAME ?? String(process.pid)
let taken = 0
if (dir && typeof globalThis.gc === 'function') {
  const gc = globalThis.gc
  process.on('SIGUSR2', () => {
    taken += 1
    const base = join(dir, `${name}-${taken}`)
    const before = process.memoryUsage()
    gc()
    gc()
    const afterGc = process.memoryUsage()
    writeHeapSnapshot(`${base}.heapsnapshot`)
    gc()
    writeFileSync(`${base}.json`, JSON.stringify({ name, before, afterGc, afterSnapshot: process.memoryUsage() }))
  })
}
