/**
 * From one claim per (user, event) to claim slots, against a database the previous version
 * wrote: `fixtures/database-before-claim-slots.json` was recorded by that version's own code
 * (`fixtures/record-database.ts`, driven through its API) and is loaded here as it was — its
 * documents and its indexes, the old unique index included. Then this version starts on it.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { BSON, MongoClient, ObjectId, type Db, type Document } from 'mongodb'
import { startTestMongo } from '@app/devkit/testkit'
import { migrateToClaimSlots } from '../src/migrations/claim-slots.js'
import { accessClaims, actor, adjustableClock, eventBody, signJwt, startService, stopTestMongo, type Actor, type TestService } from './helpers.js'

after(stopTestMongo)

interface Recorded {
  ids: {
    events: { A: string; B: string }
    bundles: { A1: string; A2: string; B1: string }
    players: string[]
    claims: { pendingA: string; approvedA: string; rejectedA: string }
  }
  collections: Record<string, { indexes: Array<Document & { name: string; key: Document }>; documents: Document[] }>
}
const recorded = BSON.EJSON.parse(readFileSync(new URL('./fixtures/database-before-claim-slots.json', import.meta.url), 'utf8'), { relaxed: false }) as Recorded
const { ids } = recorded
/** The recorded events' windows are a week around the recording: the service runs at that time, whenever the test runs. */
const recordedTime = adjustableClock(Date.parse((recorded as unknown as { recordedAt: string }).recordedAt) + 60_000)
const playerOf = (index: number): Actor => ({ id: ids.players[index]!, token: signJwt(accessClaims(ids.players[index]!, ['USER'])) })
const [p0, p1, p2, p3] = [0, 1, 2, 3].map(playerOf) as [Actor, Actor, Actor, Actor]
const operator = actor('OPERATOR')
const gameServer = actor('SERVICE')

/** A fresh database holding exactly what the previous version left. */
async function loadRecordedDatabase(client: MongoClient, dbName: string): Promise<Db> {
  const db = client.db(dbName)
  for (const [name, { indexes, documents }] of Object.entries(recorded.collections)) {
    if (documents.length > 0) await db.collection(name).insertMany(documents)
    else await db.createCollection(name)
    for (const { key, name: indexName, v: _version, ...options } of indexes) {
      if (indexName !== '_id_') await db.collection(name).createIndex(key, { ...options, name: indexName })
    }
  }
  return db
}
const indexNames = async (db: Db, collection: string) => (await db.collection(collection).indexes()).map((index) => index.name)

let client: MongoClient
let db: Db
let service: TestService
before(async () => {
  const mongo = await startTestMongo()
  client = await new MongoClient(mongo.url).connect()
  db = await loadRecordedDatabase(client, mongo.dbName)
  assert.ok((await indexNames(db, 'claims')).includes('one_claim_per_user_event'), 'the recording has the old unique index')
  service = await startService({ dbName: mongo.dbName, clock: recordedTime })
})
after(async () => {
  await service?.close()
  await client?.close()
})

const claim = (player: Actor, rewardsId: string) => service.call('POST', '/user-reward-claims', { token: player.token, body: { rewardsId } })

describe('a database written before claim slots', () => {
  test('start-up swaps the unique index and gives every old claim its event slot', async () => {
    const claimIndexes = await indexNames(db, 'claims')
    assert.ok(claimIndexes.includes('one_claim_per_slot') && !claimIndexes.includes('one_claim_per_user_event'), claimIndexes.join(', '))
    const unique = (await db.collection('claims').indexes()).find((index) => index.name === 'one_claim_per_slot')
    assert.equal(unique?.unique, true)
    const eventIndexes = await indexNames(db, 'events')
    assert.ok(eventIndexes.includes('by_counted_type') && eventIndexes.includes('by_condition_type'), eventIndexes.join(', '))

    const claims = await db.collection('claims').find().toArray()
    assert.equal(claims.length, recorded.collections.claims!.documents.length)
    for (const doc of claims) {
      assert.equal(doc.slot, `event:${doc.eventId.toHexString()}:all`)
      assert.equal(doc.periodKey, 'all')
    }
    for (const event of await db.collection('events').find().toArray()) assert.deepEqual(event.countedConditions, event.contents)
    const record = await db.collection('migrations').findOne({ _id: 'claim-slots' as never })
    assert.deepEqual(record?.result, { events: 2, claims: claims.length })
  })

  test('old claims still block a second claim on their event, whichever bundle; a rejection keeps its slot', async () => {
    for (const [player, bundle, holder] of [
      [p0, ids.bundles.A2, ids.claims.pendingA],
      [p0, ids.bundles.A1, ids.claims.pendingA],
      [p1, ids.bundles.A1, ids.claims.approvedA],
      [p2, ids.bundles.A2, ids.claims.rejectedA]
    ] as const) {
      const reply = await claim(player, bundle)
      assert.equal(reply.status, 409, JSON.stringify(reply.body))
      assert.equal(reply.body.code, 'ALREADY_CLAIMED')
      assert.equal(reply.body.claimId, holder)
    }
    const again = await claim(p3, ids.bundles.B1)
    assert.equal(again.body.code, 'ALREADY_CLAIMED')
    const event = await service.call('GET', `/event/${ids.events.A}`, { token: operator.token })
    assert.equal(event.body.exclusiveRewards, true, 'events of the old rule keep it')
  })

  test('old events keep counting progress and take new bundles; a pending old claim is still approvable', async () => {
    const newcomer = actor('USER')
    // An event as a previous-version instance writes it during a rolling upgrade, after the migration ran.
    const [recordedEvent] = recorded.collections.events!.documents
    const lateId = new ObjectId()
    await db.collection('events').insertOne({ ...recordedEvent, _id: lateId, name: 'written by the previous version, late' })
    const reported = await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: newcomer.id } })
    assert.deepEqual(reported.body.updates.map((update: { eventId: string }) => update.eventId).sort(), [ids.events.A, lateId.toHexString()].sort())
    await db.collection('events').deleteOne({ _id: lateId })
    const added = await service.call('POST', '/rewards', {
      token: operator.token,
      body: { eventId: ids.events.A, conditions: [{ type: 'attendance', count: 1 }], contents: [{ type: 'point', amount: 5 }] }
    })
    assert.equal(added.status, 201, JSON.stringify(added.body))
    // p3 never claimed on event A: the new bundle is theirs to claim, once, and then the event's rule holds.
    const fresh = await claim(p3, added.body.id)
    assert.equal(fresh.status, 201, JSON.stringify(fresh.body))
    assert.equal((await claim(p3, ids.bundles.A1)).body.claimId, fresh.body.id)
    assert.equal((await claim(newcomer, added.body.id)).status, 201)

    const approved = await service.call('PATCH', `/user-reward-claims/${ids.claims.pendingA}/approve`, { token: operator.token })
    assert.equal(approved.status, 200, JSON.stringify(approved.body))
    assert.equal(approved.body.periodKey, 'all')
  })

  test('progress written before periods is the whole event\'s period, and keeps counting in the same document', async () => {
    for (const collection of ['progress', 'progress_contributions']) {
      assert.equal(await db.collection(collection).countDocuments({ periodKey: { $ne: 'all' } }), 0, collection)
    }
    const progressIndexes = await indexNames(db, 'progress')
    assert.ok(progressIndexes.includes('one_per_user_event_period') && !progressIndexes.includes('one_per_user_event'), progressIndexes.join(', '))
    assert.ok(!(await indexNames(db, 'progress_contributions')).includes('by_counter'))
    // p0 had invited 2 friends toward event B; 3 more make 5, in the one document.
    const reported = await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'invite', userId: p0.id, count: 3 } })
    assert.deepEqual(reported.body.updates, [{ eventId: ids.events.B, periodKey: 'all', conditions: ['invite'] }])
    const view = await service.call('GET', `/user-events?eventId=${ids.events.B}`, { token: p0.token })
    assert.equal(view.body.items[0].conditions[0].current, 5)
    assert.equal(await db.collection('progress').countDocuments({ userId: p0.id, eventId: new ObjectId(ids.events.B) }), 1)
  })

  test('new events follow the new rule beside the old ones: each bundle once', async () => {
    const event = await service.call('POST', '/event', { token: operator.token, body: eventBody({
        requireApproval: false,
        startedAt: new Date(recordedTime().getTime() - 3600_000).toISOString(),
        endedAt: new Date(recordedTime().getTime() + 24 * 3600_000).toISOString()
      })
    })
    const bundles = await Promise.all(
      [1, 2].map((amount) => service.call('POST', '/rewards', { token: operator.token, body: { eventId: event.body.id, contents: [{ type: 'point', amount }] } }))
    )
    await service.call('POST', '/user-events/process', { token: gameServer.token, body: { eventType: 'attendance', userId: p1.id } })
    for (const bundle of bundles) assert.equal((await claim(p1, bundle.body.id)).status, 201)
  })

  test('the migration is idempotent: run again, and twice at once, it changes nothing; a restart skips it', async () => {
    const before = await db.collection('claims').find().sort({ _id: 1 }).toArray()
    assert.deepEqual(await Promise.all([migrateToClaimSlots(db), migrateToClaimSlots(db)]), [{ events: 0, claims: 0 }, { events: 0, claims: 0 }])
    assert.deepEqual(await db.collection('claims').find().sort({ _id: 1 }).toArray(), before)
    // Recorded, so a later start does not scan the claims again: a slot-less claim stays as it is.
    const marker = await db.collection('claims').insertOne({ userId: 'marker', eventId: new ObjectId(), status: 'rejected' })
    const restarted = await startService({ dbName: db.databaseName, clock: recordedTime })
    await restarted.close()
    assert.equal((await db.collection('claims').findOne({ _id: marker.insertedId }))?.slot, undefined)
    await db.collection('claims').deleteOne({ _id: marker.insertedId })
  })
})

test('two instances starting at once on the recorded database both come up, and every claim gets one slot', async () => {
  const mongo = await startTestMongo()
  const db2 = await loadRecordedDatabase(client, mongo.dbName)
  const instances = await Promise.all([startService({ dbName: mongo.dbName, clock: recordedTime }), startService({ dbName: mongo.dbName, clock: recordedTime })])
  try {
    const claims = await db2.collection('claims').find().toArray()
    assert.equal(claims.length, recorded.collections.claims!.documents.length)
    assert.ok(claims.every((doc) => doc.slot === `event:${(doc.eventId as ObjectId).toHexString()}:all`))
    const reply = await instances[1]!.call('POST', '/user-reward-claims', { token: p0.token, body: { rewardsId: ids.bundles.A2 } })
    assert.equal(reply.body.claimId, ids.claims.pendingA)
  } finally {
    await Promise.all(instances.map((instance) => instance.close()))
  }
})
