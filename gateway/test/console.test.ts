/**
 * The operator console at /console: a page for anyone, served by the gateway itself under a
 * CSP of its own origin only, while every API route stays behind the access table. A stand-in
 * build (an index.html and a hashed asset) keeps this suite independent of Vite.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startSystem } from './helpers.js'

const INDEX = '<!doctype html><html><head><script type="module" src="/console/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>'
const SCRIPT = 'console.log("console")'
const SECRET = 'a file beside the build, never to be served'

/** A request with its path sent byte for byte (fetch would resolve the dot segments first). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET' }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    request.on('error', reject)
    request.end()
  })
}

/** The CSP as a map of directive → sources, order-free. */
function policyOf(header: string | null): Map<string, string> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = '', ...sources] = part.split(/\s+/)
        return [name, sources.join(' ')] as const
      })
  )
}

describe('/console, built', () => {
  let system: Awaited<ReturnType<typeof startSystem>>
  let dir = ''
  let outside = ''
  before(async () => {
    // The build sits in a folder named `assets` beside a secret: neither may change what is served.
    outside = mkdtempSync(join(tmpdir(), 'console-parent-'))
    writeFileSync(join(outside, 'secret.txt'), SECRET)
    mkdirSync(join(outside, 'assets'))
    dir = join(outside, 'assets', 'dist')
    mkdirSync(dir)
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), INDEX)
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT)
    system = await startSystem({ consoleDir: dir })
  })
  after(async () => {
    await system.stop()
    rmSync(outside, { recursive: true, force: true })
  })

  for (const path of ['/console', '/console/']) {
    it(`GET ${path}: the page, without a token, under a self-only CSP`, async () => {
      const response = await fetch(`${system.gateway.url}${path}`)
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
      assert.equal(await response.text(), INDEX)
      assert.equal(response.headers.get('cache-control'), 'no-cache')
      const policy = policyOf(response.headers.get('content-security-policy'))
      assert.deepEqual(Object.fromEntries(policy), {
        'default-src': "'self'",
        'script-src': "'self'",
        'style-src': "'self'",
        'img-src': "'self'",
        'font-src': "'self'",
        'connect-src': "'self'",
        'object-src': "'none'",
        'base-uri': "'none'",
        'form-action': "'self'",
        'frame-ancestors': "'none'"
      })
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    })
  }

  it('serves hashed assets for good, under the same CSP', async () => {
    const response = await fetch(`${system.gateway.url}/console/assets/index-abc123.js`)
    assert.equal(response.status, 200)
    assert.equal(await response.text(), SCRIPT)
    assert.match(response.headers.get('content-type') ?? '', /javascript/)
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    assert.equal(policyOf(response.headers.get('content-security-policy')).get('script-src'), "'self'")
  })

  it('nothing outside the build: a missing file and a path escaping the directory are 404', async () => {
    // The secret is two levels above the build (dir = <outside>/assets/dist).
    for (const path of [
      '/console/assets/missing.js',
      '/console/../../secret.txt',
      '/console/..%2f..%2fsecret.txt',
      '/console/%2e%2e/%2e%2e/secret.txt',
      '/console/assets/..%2f..%2f..%2fsecret.txt'
    ]) {
      const { status, body } = await rawGet(system.gateway.url, path)
      assert.notEqual(status, 200, path)
      assert.ok(!body.includes(SECRET), `${path} served the file beside the build`)
    }
  })

  it('only /console itself is public: the API still wants a token', async () => {
    const before = system.event.calls.length
    const api = await fetch(`${system.gateway.url}/event-gateway/user-reward-claims`)
    assert.equal(api.status, 401)
    await api.body?.cancel()
    assert.equal(system.event.calls.length, before, 'not forwarded')
  })

  it("Swagger UI keeps helmet's own policy (the console's does not leak onto other routes)", async () => {
    const response = await fetch(`${system.gateway.url}/api-docs/static/index.html`)
    await response.body?.cancel()
    assert.match(response.headers.get('content-security-policy') ?? '', /style-src 'self' https: 'unsafe-inline'/)
  })
})

describe('/console, not built', () => {
  it('the gateway starts anyway and /console says how to build it (404)', async () => {
    const system = await startSystem({ consoleDir: join(tmpdir(), 'no-such-console-build') })
    try {
      for (const path of ['/console', '/console/', '/console/assets/index.js']) {
        const response = await fetch(`${system.gateway.url}${path}`)
        assert.equal(response.status, 404, path)
        assert.match(response.headers.get('content-type') ?? '', /^text\/plain/)
        assert.match(await response.text(), /npm run build --workspace=@app\/console/)
      }
      assert.equal((await fetch(`${system.gateway.url}/health`)).status, 200)
    } finally {
      await system.stop()
    }
  })
})
