import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { consoleBuildNeeded } from '../src/console-build.js'

/** A repository stand-in: the console's source, the typed client's, and (maybe) a build, with chosen times. */
function repository(): { root: string; touch(path: string, secondsAgo: number): void; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'console-build-'))
  const touch = (path: string, secondsAgo: number) => {
    const file = join(root, path)
    mkdirSync(join(file, '..'), { recursive: true })
    writeFileSync(file, path)
    const at = new Date(Date.now() - secondsAgo * 1000)
    utimesSync(file, at, at)
  }
  return { root, touch, remove: () => rmSync(root, { recursive: true, force: true }) }
}

test('the console is built when dist is missing, or older than its source or the client it bundles', () => {
  const repo = repository()
  try {
    repo.touch('console/src/App.tsx', 300)
    repo.touch('packages/client/src/schema.ts', 300)
    assert.equal(consoleBuildNeeded(repo.root), 'console/dist is missing')

    repo.touch('console/dist/index.html', 100)
    assert.equal(consoleBuildNeeded(repo.root), null, 'built after every input changed')

    repo.touch('packages/client/src/schema.ts', 10) // npm run generate after an API change
    assert.equal(consoleBuildNeeded(repo.root), 'packages/client/src changed since the last build')

    repo.touch('console/dist/index.html', 5)
    repo.touch('console/src/screens/New.tsx', 1)
    assert.equal(consoleBuildNeeded(repo.root), 'console/src changed since the last build')
  } finally {
    repo.remove()
  }
})
