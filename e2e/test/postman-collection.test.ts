/**
 * The committed Postman collection must match what `npm run postman` generates from the
 * gateway's combined OpenAPI document right now; a stale file fails here.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildPostmanCollection, committedCollection } from '../../scripts/postman-collection.js'
import { startE2eSystem } from './helpers.js'

let gatewayUrl = ''
let stopSystem = async () => {}
before(async () => {
  const system = await startE2eSystem()
  stopSystem = system.stopAll
  gatewayUrl = system.url('gateway')
})
after(() => stopSystem())

test('docs/postman_collection.json is up to date (regenerate with `npm run postman`)', async () => {
  const openapi = await (await fetch(`${gatewayUrl}/api-docs/json`)).json()
  assert.deepEqual(committedCollection(), await buildPostmanCollection(openapi as object))
})

test('the login request stores the tokens in collection variables', () => {
  const collection = committedCollection() as { item: Array<{ item?: Array<{ request: { method: string; url: { path: string[] } }; event?: Array<{ script: { exec: string[] } }> }> }> }
  const login = collection.item.flatMap((folder) => folder.item ?? []).find(
    (item) => item.request.method === 'POST' && item.request.url.path.join('/') === 'auth/login'
  )
  assert.ok(login, 'a login request exists')
  assert.match(login.event?.[0]?.script.exec.join('\n') ?? '', /collectionVariables\.set\('accessToken'/)
})
