import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Role, type AccessTokenClaims } from '@app/contracts'
import { createVerifiedTokenCache } from '../src/verified-token-cache.js'

const claims = (sub: string, exp: number): AccessTokenClaims =>
  ({ sub, roles: [Role.USER], sid: 's', typ: 'access', iss: 'i', aud: 'a', iat: 0, exp })

test('hits until the token expires, then forgets it', () => {
  let nowMs = 1_000_000
  const cache = createVerifiedTokenCache({ now: () => nowMs })
  cache.set('Bearer a', { claims: claims('a', 1_010), kid: 'k1' })
  assert.equal(cache.get('Bearer a')?.claims.sub, 'a')
  assert.equal(cache.get('Bearer a')?.kid, 'k1')
  nowMs = 1_010_000
  assert.equal(cache.get('Bearer a'), undefined)
  assert.equal(cache.size, 0)
})

test('stays within maxEntries by dropping the oldest', () => {
  const cache = createVerifiedTokenCache({ maxEntries: 2, now: () => 0 })
  for (const sub of ['a', 'b', 'c']) cache.set(`Bearer ${sub}`, { claims: claims(sub, 60), kid: undefined })
  assert.equal(cache.size, 2)
  assert.equal(cache.get('Bearer a'), undefined)
  assert.equal(cache.get('Bearer c')?.claims.sub, 'c')
})

test('cached claims are a frozen copy: no request can change what the next one sees', () => {
  const cache = createVerifiedTokenCache({ now: () => 0 })
  const original = claims('a', 60)
  cache.set('Bearer a', { claims: original, kid: undefined })
  original.sub = 'changed'
  const cached = cache.get('Bearer a')!.claims
  assert.equal(cached.sub, 'a')
  assert.ok(Object.isFrozen(cached))
})
