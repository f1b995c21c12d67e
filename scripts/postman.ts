/**
 * `npm run postman`: starts the system on free ports (embedded in-memory database), fetches
 * the gateway's combined OpenAPI document and writes docs/postman_collection.json from it.
 */
import { writeFileSync } from 'node:fs'
import { resolveDatabase } from '@app/platform'
import { startSystem } from '@app/platform/system'
import { COLLECTION_PATH, buildPostmanCollection } from './postman-collection.js'

const database = await resolveDatabase(undefined, { persistent: false })
const system = await startSystem({ mongoUrl: database.url, ports: 'free', env: { LOG_LEVEL: 'warn' } })
try {
  const response = await fetch(`${system.url('gateway')}/api-docs/json`)
  if (!response.ok) throw new Error(`combined OpenAPI document: HTTP ${response.status}`)
  const collection = await buildPostmanCollection((await response.json()) as object)
  writeFileSync(COLLECTION_PATH, `${JSON.stringify(collection, null, 2)}\n`)
  console.log(`wrote ${COLLECTION_PATH}`)
} finally {
  await system.stop()
  await database.stop()
}
