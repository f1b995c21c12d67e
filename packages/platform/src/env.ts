import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { LoadSheddingEnv } from './load-shedding.js'

/** Variables every service reads; each service extends this with its own. */
export const BaseEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development'
  }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' }
  ),
  /** Unset → the embedded database is started (see README). */
  MONGO_URL: Type.Optional(Type.String({ pattern: '^mongodb(\\+srv)?://' })),
  /** The largest request body accepted, in bytes (→ 413 beyond). */
  BODY_LIMIT: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 1024 * 1024 }),
  /** Verified access tokens remembered until they expire (0: verify every request in full). */
  ACCESS_TOKEN_CACHE_SIZE: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 5_000 }),
  /**
   * How often each service reloads auth's token revocations. An account disabled, demoted or
   * signed out by staff is refused everywhere within this (plus one request to auth); the SPEC
   * allows 5 s, hence the cap.
   */
  REVOCATION_POLL_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 4_000, default: 1_000 }),
  ...LoadSheddingEnv
}

export class EnvError extends Error {
  override name = 'EnvError'
}

/**
 * Reads `.env` (nearest one from the working directory up to the repo root; variables already
 * set win), then validates `source` against the schema. Any bad or missing variable throws an
 * EnvError naming every offending variable, which `exitOnEnvError` turns into a clean exit.
 */
export function loadEnv<P extends TProperties>(
  properties: P,
  source: NodeJS.ProcessEnv = (loadDotEnv(), process.env)
): Static<TObject<P>> {
  const schema = Type.Object(properties)
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(properties)) {
    const raw = source[key]
    if (raw !== undefined && raw !== '') picked[key] = raw
  }
  const value = Value.Convert(schema, Value.Default(schema, picked))
  const errors = [...Value.Errors(schema, value)]
  if (errors.length > 0) {
    const lines = errors.map((error) => `  ${error.path.slice(1) || '(root)'}: ${error.message}`)
    throw new EnvError(`Invalid environment configuration:\n${[...new Set(lines)].join('\n')}`)
  }
  return value as Static<TObject<P>>
}

/** Why production needs the database configured; every service refuses to start without it. */
export const PRODUCTION_NEEDS_MONGO = { MONGO_URL: 'production never starts an embedded database' }

/**
 * With NODE_ENV=production, refuses what only development may leave unset: one line per
 * missing variable, saying why (`required`: variable → reason).
 */
export function assertProductionReady(env: { NODE_ENV: string; [variable: string]: unknown }, required: Record<string, string>): void {
  if (env.NODE_ENV !== 'production') return
  const missing = Object.entries(required).filter(([name]) => env[name] === undefined || env[name] === '')
  if (missing.length > 0) {
    throw new EnvError(missing.map(([name, why]) => `NODE_ENV=production requires ${name}: ${why}`).join('\n'))
  }
}

export function exitOnEnvError(error: unknown): never {
  if (error instanceof EnvError) {
    process.stderr.write(`${error.message}\n`)
    process.exit(78) // EX_CONFIG
  }
  throw error
}

let dotEnvLoaded = false
function loadDotEnv(): void {
  if (dotEnvLoaded) return
  dotEnvLoaded = true
  let dir = process.cwd()
  for (;;) {
    const candidate = join(dir, '.env')
    if (existsSync(candidate)) {
      // process.loadEnvFile never overrides variables that are already set.
      process.loadEnvFile(candidate)
      return
    }
    if (existsSync(join(dir, 'turbo.json')) || dirname(dir) === dir) return
    dir = resolve(dir, '..')
  }
}
