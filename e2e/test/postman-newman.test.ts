/**
 * The shipped Postman collection runs as it is: newman, twice in a row against a freshly started
 * system (the second run meets a database that already has the first one's data), with only
 * baseUrl, adminEmail and adminPassword set. Every request asserts; every assertion must pass.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import newman, { type NewmanRunSummary } from 'newman'
import { committedArtifact } from '../../scripts/api-artifacts.js'
import { ADMIN, startE2eSystem, type E2eSystem } from './helpers.js'

let system: E2eSystem
before(async () => {
  // The gateway's default limits: the collection must run within them, twice.
  system = await startE2eSystem()
})
after(() => system?.stopAll())

const runCollection = (): Promise<NewmanRunSummary> =>
  new Promise((resolveRun, reject) => {
    newman.run(
      {
        collection: JSON.parse(committedArtifact('postman')),
        envVar: [
          { key: 'baseUrl', value: system.url('gateway') },
          { key: 'adminEmail', value: ADMIN.email },
          { key: 'adminPassword', value: ADMIN.password }
        ],
        reporters: []
      },
      (error, summary) => (error ? reject(error) : resolveRun(summary))
    )
  })

for (const attempt of ['first', 'second']) {
  test(`newman runs docs/postman_collection.json green (${attempt} run)`, async () => {
    const summary = await runCollection()
    const { requests, assertions } = summary.run.stats
    const failures = summary.run.failures.map((failure) => `${failure.source?.name ?? '?'}: ${failure.error.message}`)
    console.log(`# newman ${attempt} run: ${requests.total} requests, ${assertions.total} assertions, ${assertions.failed} failed`)
    assert.deepEqual(failures, [])
    assert.equal(requests.failed, 0)
    assert.ok((requests.total ?? 0) >= 30, `${requests.total} requests`)
    assert.ok((assertions.total ?? 0) >= (requests.total ?? 0), 'a test on every request')
    const untested = summary.run.executions.filter((execution) => (execution.assertions ?? []).length === 0).map((execution) => execution.item.name)
    assert.deepEqual(untested, [])
  })
}
