import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EnvError } from '@app/platform'
import { loadEventConfig } from '../src/config.js'

test('defaults: port 3002, database event, the auth JWKS on 3000, the ledger', () => {
  const config = loadEventConfig({})
  assert.equal(config.EVENT_PORT, 3002)
  assert.equal(config.EVENT_DB_NAME, 'event')
  assert.equal(config.AUTH_JWKS_URL, 'http://127.0.0.1:3000/.well-known/jwks.json')
  assert.equal(config.JWT_ISSUER, 'event-reward-platform')
  assert.equal(config.JWT_AUDIENCE, 'event-reward-platform')
  assert.equal(config.REWARD_DELIVERY_URL, undefined)
  assert.equal(config.DELIVERY_TIMEOUT_MS, 3_000)
  assert.equal(config.SWEEPER_INTERVAL_MS, 5_000)
  assert.equal(config.DELIVERY_GIVE_UP_AFTER_MS, 24 * 60 * 60 * 1000, 'retries for a day before a claim fails as unknown')
  assert.equal(config.REWARD_DELIVERY_SECRET, undefined)
})

test('a delivery secret without a delivery URL is refused (nothing would be signed)', () => {
  assert.throws(() => loadEventConfig({ REWARD_DELIVERY_SECRET: 'a-secret-of-sixteen+' }), /REWARD_DELIVERY_SECRET/)
  assert.equal(
    loadEventConfig({ REWARD_DELIVERY_SECRET: 'a-secret-of-sixteen+', REWARD_DELIVERY_URL: 'http://127.0.0.1:9/' }).REWARD_DELIVERY_SECRET,
    'a-secret-of-sixteen+'
  )
})

test('numbers are read from strings; bad values name the variable', () => {
  assert.equal(loadEventConfig({ DELIVERY_GIVE_UP_AFTER_MS: '3600000' }).DELIVERY_GIVE_UP_AFTER_MS, 3_600_000)
  assert.throws(
    () => loadEventConfig({ DELIVERY_GIVE_UP_AFTER_MS: 'a day' }),
    (error) => error instanceof EnvError && /DELIVERY_GIVE_UP_AFTER_MS/.test(error.message)
  )
  assert.throws(() => loadEventConfig({ REWARD_DELIVERY_URL: 'ftp://x' }), /REWARD_DELIVERY_URL/)
})

test('a lease no longer than the delivery timeout is refused (two workers could deliver one claim)', () => {
  assert.throws(() => loadEventConfig({ DELIVERY_LEASE_MS: '3000', DELIVERY_TIMEOUT_MS: '3000' }), /DELIVERY_LEASE_MS/)
  assert.throws(() => loadEventConfig({ DELIVERY_BACKOFF_BASE_MS: '5000', DELIVERY_BACKOFF_MAX_MS: '1000' }), /DELIVERY_BACKOFF_MAX_MS/)
})
