import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

/**
 * Helmet's defaults on every reply. Its CSP already lets Swagger UI run (scripts and styles
 * from 'self', inline styles, data: images); only `upgrade-insecure-requests` goes: the
 * gateway speaks plain HTTP (TLS, if any, ends in front of it), and a browser told to upgrade
 * would fetch Swagger UI's assets over https and get nothing.
 */
const GLOBAL_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }

/** The headers helmet sets for these options, worked out once by running it against a stand-in response. */
export function helmetHeaders(options: HelmetOptions): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>()
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase())
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {})
  return [...headers]
}

/**
 * Sets helmet's headers on every reply, worked out once at start-up: `@fastify/helmet` ran
 * helmet afresh for each request (parsing the CSP directives every time, in two async hooks),
 * a measured 5 % of the gateway's busy CPU. A route may still name its own settings as
 * `config.helmet` (the console's strict CSP), merged over the global ones as before.
 */
export const securityHeadersPlugin = fp(
  async (app) => {
    const global = helmetHeaders(GLOBAL_OPTIONS)
    const perRoute = new WeakMap<object, ReadonlyArray<readonly [string, string]>>()
    const headersFor = (routeHelmet: HelmetOptions | undefined) => {
      if (routeHelmet === undefined) return global
      let headers = perRoute.get(routeHelmet)
      if (!headers) {
        headers = helmetHeaders({ ...GLOBAL_OPTIONS, ...routeHelmet } as HelmetOptions)
        perRoute.set(routeHelmet, headers)
      }
      return headers
    }
    app.addHook('onRequest', (request, reply, done) => {
      const { helmet: routeHelmet } = request.routeOptions.config as { helmet?: HelmetOptions }
      for (const [name, value] of headersFor(routeHelmet)) reply.raw.setHeader(name, value)
      done()
    })
  },
  { name: 'security-headers', fastify: '5.x' }
)
