import { existsSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Where the operator console lives: a page for anyone; every API call it makes needs a staff token. */
export const CONSOLE_PATH = '/console'

/**
 * The console's Content-Security-Policy: its own origin only. Vite's build is one script file and
 * one stylesheet, nothing inline, no eval, no fonts or scripts from elsewhere; the API is on the
 * same origin. Swagger UI (elsewhere on the gateway) keeps helmet's looser default.
 */
export const CONSOLE_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"]
}

export const CONSOLE_NOT_BUILT =
  'The operator console is not built. Build it with `npm run build --workspace=@app/console` ' +
  '(`npm start` does it by itself) and restart the gateway.\n'

export interface ConsoleOptions {
  /** The console's built files (console/dist); undefined or without index.html → the not-built page. */
  dir: string | undefined
}

/**
 * Hashed asset names never change content: cache them for good; index.html is asked for again
 * each time. Judged inside the build (`dir`), so a build that itself sits under some `assets`
 * folder does not make index.html immutable.
 */
const cacheHeadersFor =
  (dir: string) =>
  (response: { setHeader(name: string, value: string): void }, path: string): void => {
    const hashed = relative(dir, path).startsWith(`assets${sep}`)
    response.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
  }

/**
 * The operator console (console/, a Vite build) at `/console`, under the strict CSP above. A
 * gateway without the build still starts: it logs a warning and `/console` answers 404 with the
 * command that builds it. The access table does not list these routes: they are a public page
 * (see the access plugin's `publicPages`), not the API.
 */
export const consolePlugin = fp<ConsoleOptions>(
  async (app, { dir }) => {
    await app.register(async (scope) => {
      // Helmet reads a route's own settings from its config: this scope's routes get the strict policy.
      scope.addHook('onRoute', (route) => {
        route.config = { ...(route.config as object), helmet: { contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP_DIRECTIVES } } } as never
      })

      if (dir === undefined || !existsSync(join(dir, 'index.html'))) {
        app.log.warn({ dir }, `operator console not built: ${CONSOLE_NOT_BUILT.trim()}`)
        const notBuilt = async (_request: FastifyRequest, reply: FastifyReply) =>
          reply.code(404).type('text/plain; charset=utf-8').send(CONSOLE_NOT_BUILT)
        scope.get(CONSOLE_PATH, notBuilt)
        scope.get(`${CONSOLE_PATH}/*`, notBuilt)
        return
      }

      await scope.register(fastifyStatic, {
        root: dir,
        prefix: `${CONSOLE_PATH}/`,
        index: 'index.html',
        cacheControl: false,
        setHeaders: cacheHeadersFor(dir)
      })
      // The page itself also without the trailing slash (its asset URLs are absolute).
      scope.get(CONSOLE_PATH, (_request, reply) => reply.sendFile('index.html'))
    })
  },
  { name: 'console', dependencies: ['security-headers'], fastify: '5.x' }
)
