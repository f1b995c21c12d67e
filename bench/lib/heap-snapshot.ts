/**
 * Reads a V8 `.heapsnapshot` and says what the heap holds: self size and count per constructor
 * (objects), per string / code / array kind, and the retained size of the largest retainers
 * (a dominator tree, Cooper–Harvey–Kennedy, over the snapshot's edges — weak edges excluded),
 * so "what keeps 100 MiB alive" shows without opening DevTools.
 *
 *   npx tsx bench/lib/heap-snapshot.ts FILE.heapsnapshot [top]
 */
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] }; node_count: number }
  nodes: number[]
  edges: number[]
  strings: string[]
}

export interface HeapGroup {
  name: string
  count: number
  selfMiB: number
  /** Largest retained size of one object of the group (the dominator tree's view). */
  retainedMiB?: number
}

export interface HeapSummary {
  totalMiB: number
  byConstructor: HeapGroup[]
  /** The objects that alone keep the most alive (retained size), with what they are. */
  topRetainers: HeapGroup[]
}

const MiB = 2 ** 20
const round = (bytes: number) => Math.round((bytes / MiB) * 100) / 100

export function summarizeHeapSnapshot(file: string, top = 20): HeapSummary {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const { meta } = data.snapshot
  const nodeFieldCount = meta.node_fields.length
  const edgeFieldCount = meta.edge_fields.length
  const typeOf = meta.node_fields.indexOf('type')
  const nameOf = meta.node_fields.indexOf('name')
  const sizeOf = meta.node_fields.indexOf('self_size')
  const edgeCountOf = meta.node_fields.indexOf('edge_count')
  const edgeTypeOf = meta.edge_fields.indexOf('type')
  const edgeToOf = meta.edge_fields.indexOf('to_node')
  const edgeNameOf = meta.edge_fields.indexOf('name_or_index')
  const nodeTypes = meta.node_types[0]
  const edgeTypes = meta.edge_types[0]
  const weak = edgeTypes.indexOf('weak')
  const namedEdge = new Set(['context', 'property', 'internal', 'shortcut'].map((type) => edgeTypes.indexOf(type)))
  const count = data.nodes.length / nodeFieldCount
  const { nodes, edges, strings } = data

  // Group label: an object's constructor name; other kinds by their type ("(string)", "(code)", …).
  const label = (node: number) => {
    const type = nodeTypes[nodes[node * nodeFieldCount + typeOf]!]!
    const name = strings[nodes[node * nodeFieldCount + nameOf]!]!
    if (type === 'object' || type === 'closure' || type === 'native') return type === 'closure' ? `(closure) ${name}` : name
    return `(${type})`
  }
  const selfSize = (node: number) => nodes[node * nodeFieldCount + sizeOf]!

  // Edges as successor lists; also predecessors for the dominator computation.
  const firstEdge = new Uint32Array(count + 1)
  for (let node = 0, offset = 0; node < count; node++) {
    firstEdge[node] = offset
    offset += nodes[node * nodeFieldCount + edgeCountOf]! * edgeFieldCount
  }
  firstEdge[count] = edges.length
  const successors = (node: number, visit: (to: number) => void) => {
    for (let edge = firstEdge[node]!; edge < firstEdge[node + 1]!; edge += edgeFieldCount) {
      if (edges[edge + edgeTypeOf] === weak) continue
      visit(edges[edge + edgeToOf]! / nodeFieldCount)
    }
  }

  // Depth-first post-order from the root (node 0), iteratively.
  const order = new Int32Array(count).fill(-1)
  const postOrder: number[] = []
  const stack: number[] = [0]
  const nextEdge = new Uint32Array(count)
  order[0] = -2
  for (let node = 0; node < count; node++) nextEdge[node] = firstEdge[node]!
  while (stack.length > 0) {
    const node = stack[stack.length - 1]!
    let pushed = false
    while (nextEdge[node]! < firstEdge[node + 1]!) {
      const edge = nextEdge[node]!
      nextEdge[node] = edge + edgeFieldCount
      if (edges[edge + edgeTypeOf] === weak) continue
      const to = edges[edge + edgeToOf]! / nodeFieldCount
      if (order[to] === -1) {
        order[to] = -2
        stack.push(to)
        pushed = true
        break
      }
    }
    if (!pushed) {
      stack.pop()
      order[node] = postOrder.length
      postOrder.push(node)
    }
  }
  const predecessors: number[][] = Array.from({ length: count }, () => [])
  for (const node of postOrder) successors(node, (to) => { if (order[to]! >= 0) predecessors[to]!.push(node) })
  const dominator = new Int32Array(count).fill(-1)
  dominator[0] = 0
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (order[a]! < order[b]!) a = dominator[a]!
      while (order[b]! < order[a]!) b = dominator[b]!
    }
    return a
  }
  for (let changed = true; changed; ) {
    changed = false
    for (let index = postOrder.length - 2; index >= 0; index--) {
      const node = postOrder[index]!
      let chosen = -1
      for (const from of predecessors[node]!) {
        if (dominator[from] === -1) continue
        chosen = chosen === -1 ? from : intersect(from, chosen)
      }
      if (chosen !== -1 && dominator[node] !== chosen) {
        dominator[node] = chosen
        changed = true
      }
    }
  }
  const retained = new Float64Array(count)
  for (const node of postOrder) {
    retained[node]! += selfSize(node)
    if (node !== 0 && dominator[node]! >= 0) retained[dominator[node]!]! += retained[node]!
  }

  const groups = new Map<string, HeapGroup & { selfBytes: number }>()
  let total = 0
  for (const node of postOrder) {
    const name = label(node)
    const group = groups.get(name) ?? { name, count: 0, selfMiB: 0, selfBytes: 0 }
    group.count += 1
    group.selfBytes += selfSize(node)
    groups.set(name, group)
    total += selfSize(node)
  }
  const byConstructor = [...groups.values()]
    .sort((a, b) => b.selfBytes - a.selfBytes)
    .slice(0, top)
    .map(({ name, count: groupCount, selfBytes }) => ({ name, count: groupCount, selfMiB: round(selfBytes) }))
  /** How its dominator reaches it: `Owner.field` (or `Owner[i]`), to tell which map or array it is. */
  const reachedAs = (node: number) => {
    const owner = dominator[node]!
    for (const from of [owner, ...predecessors[node]!]) {
      for (let edge = firstEdge[from]!; edge < firstEdge[from + 1]!; edge += edgeFieldCount) {
        if (edges[edge + edgeToOf]! / nodeFieldCount !== node) continue
        const nameOrIndex = edges[edge + edgeNameOf]!
        const field = namedEdge.has(edges[edge + edgeTypeOf]!) ? `.${strings[nameOrIndex]}` : `[${nameOrIndex}]`
        return `${label(from)}${field}`
      }
    }
    return '?'
  }
  // The largest retainers below the synthetic roots (GC roots, the root itself), objects only.
  const topRetainers = postOrder
    .filter((node) => node !== 0 && dominator[node] !== node && nodeTypes[nodes[node * nodeFieldCount + typeOf]!] !== 'synthetic')
    .sort((a, b) => retained[b]! - retained[a]!)
    .slice(0, top)
    .map((node) => ({ name: `${label(node)} ← ${reachedAs(node)}`, count: 1, selfMiB: round(selfSize(node)), retainedMiB: round(retained[node]!) }))
  return { totalMiB: round(total), byConstructor, topRetainers }
}

export function heapSummaryToMarkdown(title: string, summary: HeapSummary): string {
  const lines = [`### ${title}`, '', `${summary.totalMiB} MiB reachable after a full GC.`, '', '| constructor / kind | count | self MiB |', '|---|---:|---:|']
  for (const group of summary.byConstructor) lines.push(`| \`${group.name}\` | ${group.count} | ${group.selfMiB} |`)
  lines.push('', '| largest retainers (one object each) | self MiB | retained MiB |', '|---|---:|---:|')
  for (const group of summary.topRetainers) lines.push(`| \`${group.name}\` | ${group.selfMiB} | ${group.retainedMiB} |`)
  return lines.join('\n') + '\n'
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [file, top] = process.argv.slice(2)
  if (!file) {
    console.error('usage: tsx bench/lib/heap-snapshot.ts FILE.heapsnapshot [top]')
    process.exit(2)
  }
  console.log(heapSummaryToMarkdown(file, summarizeHeapSnapshot(file, Number(top ?? 20))))
}
