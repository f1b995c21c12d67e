/**
 * `npm run generate`: starts the system on free ports (embedded in-memory database), fetches the
 * gateway's combined OpenAPI document and writes what is generated from it — docs/openapi.json,
 * packages/client/src/schema.ts, docs/postman_collection.json (see api-artifacts.ts).
 */
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { REPO_ROOT, resolveDatabase } from '@app/platform'
import { startSystem } from '@app/devkit/system'
import { ARTIFACT_PATHS, buildArtifacts, type Artifact } from './api-artifacts.js'

const database = await resolveDatabase(undefined, { persistent: false })
const system = await startSystem({ mongoUrl: database.url, ports: 'free', env: { LOG_LEVEL: 'warn' } })
try {
  const response = await fetch(`${system.url('gateway')}/api-docs/json`)
  if (!response.ok) throw new Error(`combined OpenAPI document: HTTP ${response.status}`)
  const artifacts = await buildArtifacts((await response.json()) as object)
  for (const [artifact, content] of Object.entries(artifacts) as Array<[Artifact, string]>) {
    writeFileSync(ARTIFACT_PATHS[artifact], content)
    console.log(`wrote ${relative(REPO_ROOT, ARTIFACT_PATHS[artifact])}`)
  }
} finally {
  await system.stop()
  await database.stop()
}
