/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and names where the time went: self time
 * per function and per package, so a hot spot shows without opening DevTools.
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
}

export interface HotSpot {
  name: string
  selfPercent: number
}

export interface ProfileSummary {
  file: string
  sampledSeconds: number
  /** Share of samples in which the process was idle (waiting for I/O). */
  idlePercent: number
  functions: HotSpot[]
  packages: HotSpot[]
}

/** `node_modules/fastify/lib/x.js` → `fastify`; our own files by workspace; node internals as one. */
export function packageOf(url: string): string {
  if (url === '') return '(native / V8)'
  if (url.startsWith('node:')) return 'node (core)'
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const workspace = /\/(packages\/[^/]+|services\/[^/]+|gateway)\//.exec(url)
  return workspace ? workspace[1]! : url
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const hits = new Map<number, number>()
  for (const sample of profile.samples) hits.set(sample, (hits.get(sample) ?? 0) + 1)
  const total = profile.samples.length || 1
  let idle = 0
  const byFunction = new Map<string, number>()
  const byPackage = new Map<string, number>()
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0
    if (count === 0) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') {
      idle += count
      continue
    }
    const where = SPECIAL.has(functionName) ? functionName : `${functionName || '(anonymous)'} ${packageOf(url)}${url ? `:${lineNumber + 1}` : ''}`
    byFunction.set(where, (byFunction.get(where) ?? 0) + count)
    const pkg = SPECIAL.has(functionName) ? functionName : packageOf(url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + count)
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, selfPercent: Math.round((count / total) * 1000) / 10 }))
  return {
    file,
    sampledSeconds: Math.round((profile.endTime - profile.startTime) / 1e5) / 10,
    idlePercent: Math.round((idle / total) * 1000) / 10,
    functions: rank(byFunction),
    packages: rank(byPackage)
  }
}

export function profileToMarkdown(title: string, summary: ProfileSummary): string {
  const table = (heading: string, spots: HotSpot[]) => [
    `| ${heading} | self % of samples |`, '|---|---:|',
    ...spots.map((spot) => `| \`${spot.name}\` | ${spot.selfPercent} |`)
  ]
  return [
    `### ${title}`, '',
    `${summary.sampledSeconds} s sampled, ${summary.idlePercent} % idle.`, '',
    ...table('package', summary.packages), '',
    ...table('function', summary.functions), ''
  ].join('\n')
}
