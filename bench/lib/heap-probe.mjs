/**
 * Preloaded into a service by `npm run bench -- --heap` (`node --expose-gc --import=…`), never in
 * production. Two steps, each on a SIGUSR2, so the bench can look at the process in between:
 *   1. collect garbage (twice: the second pass frees what the first only finalised) and write
 *      `<HEAP_PROBE_DIR>/<pid>-gc.json` with the memory right after;
 *   2. write a heap snapshot `<pid>.heapsnapshot`, then `<pid>-snapshot.json` once it is complete.
 * Nothing of this is reachable over any port: only a signal from the machine triggers it.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'

const dir = process.env.HEAP_PROBE_DIR
let step = 0
if (dir && typeof globalThis.gc === 'function') {
  const gc = globalThis.gc
  const base = join(dir, String(process.pid))
  process.on('SIGUSR2', () => {
    step += 1
    if (step === 1) {
      gc()
      gc()
      writeFileSync(`${base}-gc.json`, JSON.stringify({ afterGc: process.memoryUsage() }))
    } else if (step === 2) {
      writeHeapSnapshot(`${base}.heapsnapshot`)
      gc()
      writeFileSync(`${base}-snapshot.json`, JSON.stringify({ afterSnapshot: process.memoryUsage() }))
    }
  })
}
