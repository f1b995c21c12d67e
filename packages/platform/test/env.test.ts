import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Type } from '@sinclair/typebox'
import { BaseEnv, EnvError, loadEnv } from '../src/env.js'

const schema = { ...BaseEnv, SERVICE_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000 }) }

test('defaults apply and strings convert to their declared types', () => {
  const env = loadEnv(schema, { SERVICE_PORT: '4000' })
  assert.equal(env.SERVICE_PORT, 4000)
  assert.equal(env.LOG_LEVEL, 'info')
  assert.equal(env.BODY_LIMIT, 1024 * 1024)
  assert.equal(env.MONGO_URL, undefined)
})

test('a bad variable stops start-up with a message naming it', () => {
  assert.throws(
    () => loadEnv(schema, { SERVICE_PORT: 'eighty', LOG_LEVEL: 'loud', MONGO_URL: 'postgres://x' }),
    (error: unknown) => {
      assert.ok(error instanceof EnvError)
      for (const name of ['SERVICE_PORT', 'LOG_LEVEL', 'MONGO_URL']) assert.match(error.message, new RegExp(name))
      return true
    }
  )
})

test('a required variable that is missing is named', () => {
  assert.throws(() => loadEnv({ REQUIRED_SECRET: Type.String({ minLength: 1 }) }, {}), /REQUIRED_SECRET/)
})
