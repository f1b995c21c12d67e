/**
 * Database round trips on the write hot paths, counted with the driver's command monitoring
 * (`monitorCommands`, `commandStarted`): every command the service starts between a request's
 * `onRequest` and `onSend` hooks, one request at a time, is in that request's path. What is not
 * counted, and why: the delivery pause switch's once-a-second re-read (a timer, not the request);
 * the first delivery attempt — measured with delivery paused, so it does not run, and reported
 * separately with the ledger; work started after the reply (audit copies, applied marks), which
 * is asserted to happen all the same.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ObjectId } from 'mongodb'
import { actor, createEventWith, eventBody, eventually, serviceStarter, sleep, stopTestMongo, type CommandRecord, type TestService } from './helpers.js'

after(stopTestMongo)

const admin = actor('ADMIN')
const gameServer = actor('SERVICE')
const NO_SWEEPER = { SWEEPER_INTERVAL_MS: String(24 * 60 * 60 * 1000) }
const start = serviceStarter()

/** Timers of the service that read the database whatever the requests do. */
const BACKGROUND = new Set(['settings'])

/** The commands `call` started in its own path (see the file's comment), as `name collection`. */
async function commandsOf(service: TestService, call: () => Promise<{ status: number; body: unknown }>, expectedStatus: number): Promise<string[]> {
  // Let the previous request's after-reply work (applied marks, audit copies) finish first.
  await sleep(50)
  service.commands.length = 0
  const reply = await call()
  assert.equal(reply.status, expectedStatus, JSON.stringify(reply.body))
  return service.commands
    .filter((command: CommandRecord) => command.request !== null && !BACKGROUND.has(command.collection))
    .map((command) => `${command.name} ${command.collection}`)
}

describe('round trips per request', () => {
  let service: TestService
  let tieredEvent: string
  let rewardIds: string[]
  let approvalReward: string

  before(async () => {
    service = await start({ env: NO_SWEEPER, recordCommands: true })
    const tiered = await service.call('POST', '/event', { token: admin.token, body: eventBody({ requireApproval: false, contents: [{ type: 'attendance', count: 1 }] }) })
    assert.equal(tiered.status, 201, JSON.stringify(tiered.body))
    tieredEvent = tiered.body.id
    rewardIds = []
    for (const [index, days] of [1, 2].entries()) {
      const reply = await service.call('POST', '/rewards', {
        token: admin.token,
        body: { eventId: tieredEvent, name: `day ${days}`, conditions: [{ type: 'attendance', count: days }], stock: 1000, contents: [{ type: 'point', amount: 10 * (index + 1) }] }
      })
      assert.equal(reply.status, 201, JSON.stringify(reply.body))
      rewardIds.push(reply.body.id)
    }
    // The seed's event body asks for approval.
    const approvalId = await createEventWith(service, admin, [{ type: 'attendance', count: 1 }])
    const reward = await service.call('POST', '/rewards', { token: admin.token, body: { eventId: approvalId, contents: [{ type: 'point', amount: 1 }] } })
    approvalReward = reward.body.id
  })

  test('a single attendance report: ≤ 3 commands (its applied mark follows the reply)', async (t) => {
    const player = actor('USER')
    const commands = await commandsOf(
      service,
      () => service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } }),
      200
    )
    t.diagnostic(`attendance report: ${commands.length} — ${commands.join(', ')}`)
    assert.ok(commands.length <= 3, commands.join(', '))
    await eventually(async () => (await service.db.collection('progress_reports').findOne({ userId: player.id }))?.appliedAt, 2_000, 'the applied mark')
  })

  test('a counter report (invite): ≤ 3 commands, counted once (its applied mark follows the reply)', async (t) => {
    const inviteEvent = await createEventWith(service, admin, [{ type: 'invite', count: 10 }])
    const player = actor('USER')
    const commands = await commandsOf(
      service,
      () => service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'invite', userId: player.id, count: 2 } }),
      200
    )
    t.diagnostic(`invite report: ${commands.length} — ${commands.join(', ')}`)
    assert.ok(commands.length <= 3, commands.join(', '))
    const progress = await service.call('GET', `/user-events?userId=${player.id}&eventId=${inviteEvent}`, { token: admin.token })
    assert.equal(progress.body.items[0].conditions[0].current, 2)
    await eventually(async () => (await service.db.collection('progress_reports').findOne({ userId: player.id }))?.appliedAt, 2_000, 'the applied mark')
  })

  test('a batch of 200 reports (attendance and invites, 100 players): ≤ 4 commands for all of them', async (t) => {
    const reports = Array.from({ length: 100 }, () => actor('USER')).flatMap((player, index) => [
      { id: `rt-a-${index}`, eventType: 'attendance', userId: player.id },
      { id: `rt-i-${index}`, eventType: 'invite', userId: player.id, count: 1 }
    ])
    const commands = await commandsOf(service, () => service.call('POST', '/user-events/process/batch', { token: gameServer.token, body: { reports } }), 200)
    t.diagnostic(`batch of 200: ${commands.length} — ${commands.join(', ')}`)
    assert.ok(commands.length <= 4, commands.join(', '))
  })

  test('a claim of a stocked milestone bundle, delivery paused: ≤ 5 commands; its audit row is copied after the reply', async (t) => {
    const pause = await service.call('PATCH', '/delivery', { token: admin.token, body: { paused: true } })
    assert.equal(pause.status, 200, JSON.stringify(pause.body))
    const player = actor('USER')
    await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    const commands = await commandsOf(service, () => service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardIds[0] } }), 201)
    t.diagnostic(`claim (stocked, delivery paused): ${commands.length} — ${commands.join(', ')}`)
    assert.ok(commands.length <= 5, commands.join(', '))
    const claim = await service.db.collection('claims').findOne({ userId: player.id })
    assert.ok(claim)
    await eventually(async () => (await service.db.collection('claim_transitions').countDocuments({ claimId: claim._id })) === 1, 2_000, 'the audit copy')
    await eventually(async () => ((await service.db.collection('claims').findOne({ _id: claim._id }))?.auditPending ?? []).length === 0, 2_000, 'the pending entry cleared')
    await service.call('PATCH', '/delivery', { token: admin.token, body: { paused: false } })
  })

  test('a claim that needs approval: ≤ 5 commands', async (t) => {
    const player = actor('USER')
    await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    const commands = await commandsOf(service, () => service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: approvalReward } }), 201)
    t.diagnostic(`claim (pending): ${commands.length} — ${commands.join(', ')}`)
    assert.ok(commands.length <= 5, commands.join(', '))
  })

  test('a claim delivered to the ledger in its request: the claim part ≤ 5, the delivery reported; one grant, a complete trail', async (t) => {
    const player = actor('USER')
    await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: player.id } })
    await sleep(50)
    service.commands.length = 0
    const reply = await service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId: rewardIds[0] } })
    assert.equal(reply.status, 201, JSON.stringify(reply.body))
    assert.equal(reply.body.status, 'completed')
    const inPath = service.commands.filter((command) => command.request !== null && !BACKGROUND.has(command.collection)).map((command) => `${command.name} ${command.collection}`)
    t.diagnostic(`claim with ledger delivery in the request: ${inPath.length} — ${inPath.join(', ')}`)
    assert.ok(inPath.length <= 9, inPath.join(', '))
    const claimId = new ObjectId(reply.body.id as string)
    assert.equal(await service.db.collection('user_rewards').countDocuments({ claimId }), 1)
    const trail = await service.db.collection('claim_transitions').find({ claimId }).sort({ at: 1, _id: 1 }).toArray()
    assert.deepEqual(trail.map((row) => row.to), ['processing', 'completed'])
  })
})
