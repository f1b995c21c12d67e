/**
 * `.env.example` documents every variable a service reads: each key of the three services'
 * environment schemas appears there, set or commented out, with a comment above it.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '@app/platform'
import { AuthEnv } from '../../services/auth/src/config.js'
import { EventEnv } from '../../services/event/src/config.js'
import { GatewayEnv } from '../../gateway/src/config.js'

test('.env.example names every variable of auth, event and the gateway, each under a comment', () => {
  const lines = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8').split('\n')
  const variables = new Set([...Object.keys(AuthEnv), ...Object.keys(EventEnv), ...Object.keys(GatewayEnv)])
  const missing: string[] = []
  const undocumented: string[] = []
  for (const name of variables) {
    const index = lines.findIndex((line) => new RegExp(`^#? ?${name}=`).test(line))
    if (index < 0) missing.push(name)
    else if (!lines.slice(0, index).reverse().find((line) => !new RegExp('^#? ?[A-Z_]+=').test(line))?.startsWith('#')) undocumented.push(name)
  }
  assert.deepEqual(missing, [], 'in .env.example')
  assert.deepEqual(undocumented, [], 'with a comment')
})
