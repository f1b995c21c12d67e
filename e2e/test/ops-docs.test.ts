/**
 * docs/alerts.yml is a valid Prometheus rules file (promtool, Debian package `prometheus`; where
 * it is missing, a structural check of the same file), every metric it names is one the real
 * services export on their internal listeners, and docs/runbook.md has a section per alert.
 * docs/prometheus.yml scrapes exactly those listeners.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { parse } from 'yaml'
import { REPO_ROOT } from '@app/platform'
import { startE2eSystem, type E2eSystem } from './helpers.js'

const ALERTS_FILE = join(REPO_ROOT, 'docs', 'alerts.yml')

interface Rule { alert?: string; record?: string; expr?: unknown; for?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> }
const rules = (): Rule[] => (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((group) => group.rules)

let system: E2eSystem
before(async () => {
  system = await startE2eSystem()
})
after(() => system?.stopAll())

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
const havePromtool = promtool.status === 0

test('promtool check rules docs/alerts.yml', { skip: havePromtool ? false : 'promtool missing (apt-get install prometheus): the structural check below still runs' }, () => {
  const checked = spawnSync('promtool', ['check', 'rules', ALERTS_FILE], { encoding: 'utf8' })
  assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`)
  assert.match(checked.stdout, /SUCCESS: \d+ rules found/)
})

test('every rule is an alert with an expression, a duration, a severity and a runbook link', () => {
  const all = rules()
  assert.ok(all.length >= 5)
  for (const rule of all) {
    assert.match(rule.alert ?? '', /^[A-Z][A-Za-z0-9]+$/, JSON.stringify(rule))
    assert.equal(typeof rule.expr, 'string', `${rule.alert}: expr`)
    assert.match(String(rule.for), /^\d+[smh]$/, `${rule.alert}: for`)
    assert.ok(['page', 'ticket'].includes(String(rule.labels?.severity)), `${rule.alert}: severity`)
    assert.match(String(rule.annotations?.description), new RegExp(`docs/runbook\\.md#${rule.alert!.toLowerCase()}|docs/runbook\\.md#`), `${rule.alert}: runbook link`)
  }
})

test('the runbook has a section for every alert, and every runbook link points at one', () => {
  const runbook = readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8')
  const sections = new Set([...runbook.matchAll(/^## (\w+)$/gm)].map((match) => match[1]!.toLowerCase()))
  for (const rule of rules()) {
    const anchor = String(rule.annotations?.description).match(/runbook\.md#(\w+)/)?.[1]
    assert.ok(anchor && sections.has(anchor), `${rule.alert}: anchor ${anchor}`)
  }
  for (const required of ['upstreambreakeropen', 'deliveryoutboxgrowing', 'deliveryoldestprocessingtooold', 'deliverypausedtoolong', 'gatewayhigh5xxrate']) {
    assert.ok(sections.has(required), `runbook section for ${required}`)
  }
})

test('every metric the alerts name is exported by a real service on its internal listener', async () => {
  const exported = new Set<string>()
  for (const name of ['auth', 'event', 'gateway'] as const) {
    const response = await fetch(`${system.adminUrl(name)}/metrics`)
    assert.equal(response.status, 200, `${name} internal /metrics`)
    for (const line of (await response.text()).split('\n')) if (line.startsWith('# TYPE ')) exported.add(line.split(' ')[2]!)
  }
  const named = new Set<string>()
  for (const rule of rules()) {
    const expr = String(rule.expr)
    for (const match of expr.matchAll(/\b(?:gateway|event|auth)_[a-z_]+/g)) named.add(match[0])
    // {__name__=~"(gateway|event)_suffix"} names one metric per alternative.
    for (const match of expr.matchAll(/\(([a-z|]+)\)(_[a-z_]+)/g)) for (const prefix of match[1]!.split('|')) named.add(prefix + match[2])
  }
  assert.ok(named.size >= 6)
  // A counter's samples carry `_total`; its TYPE line names it without (prom-client) or with it.
  const missing = [...named].filter((metric) => !exported.has(metric) && !exported.has(metric.replace(/_total$/, '')))
  assert.deepEqual(missing, [], 'metrics named in docs/alerts.yml that no service exports')
})

test('docs/prometheus.yml scrapes the three internal listeners and loads the alert rules', () => {
  const config = parse(readFileSync(join(REPO_ROOT, 'docs', 'prometheus.yml'), 'utf8')) as {
    rule_files: string[]
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>
  }
  const targets = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((entry) => entry.targets)]))
  assert.deepEqual(targets, { gateway: ['gateway:9001'], auth: ['auth:9000'], event: ['event-1:9002', 'event-2:9002'] })
  assert.ok(config.rule_files.some((file) => file.endsWith('alerts.yml')))
  if (havePromtool) {
    const checked = spawnSync('promtool', ['check', 'config', '--syntax-only', join(REPO_ROOT, 'docs', 'prometheus.yml')], { encoding: 'utf8' })
    assert.equal(checked.status, 0, `${checked.stdout}\n${checked.stderr}`)
  }
})
