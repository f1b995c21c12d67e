import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MongoClient, MongoServerError } from 'mongodb';
import { freePort, startEmbeddedMongo } from '../src/embedded-mongo.js';
import { isDatabaseUnavailable } from '@app/platform';

const tmp = mkdtempSync(join(tmpdir(), 'embedded-mongo-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const connect = async (url: string): Promise<MongoClient> =>
  await new MongoClient(url, { serverSelectionTimeoutMS: 5_000 }).connect();

test('memory backend speaks enough MongoDB over the wire for the driver', { timeout: 60_000 }, async () => {
  const mongo = await startEmbeddedMongo({ backend: 'memory' });
  const client = await connect(mongo.url);
  try {
    assert.match(mongo.url, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const db = client.db('embedded_test');
    assert.equal((await db.command({ ping: 1 })).ok, 1);

    // unique index -> E11000
    const users = db.collection<{ email: string }>('users');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a@x' });
    await assert.rejects(users.insertOne({ email: 'a@x' }), (e: unknown) => e instanceof MongoServerError && e.code === 11000);

    // conditional findOneAndUpdate: 20 racing a -> b transitions, exactly one wins
    const jobs = db.collection<{ _id: string; state: string; n?: number; tags?: string[] }>('jobs');
    await jobs.insertOne({ _id: 'j1', state: 'a' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        jobs.findOneAndUpdate({ _id: 'j1', state: 'a' }, { $set: { state: 'b', winner: i } }, { returnDocument: 'after' }),
      ),
    );
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.equal((await jobs.findOne({ _id: 'j1' }))?.state, 'b');
    assert.equal(await jobs.findOneAndUpdate({ _id: 'j1', state: 'a' }, { $set: { state: 'c' } }), null);

    // $inc, $addToSet (+ upsert/$setOnInsert, $push with $slice)
    await jobs.updateOne({ _id: 'j1' }, { $inc: { n: 2 }, $addToSet: { tags: 'x' } });
    await jobs.updateOne({ _id: 'j1' }, { $inc: { n: 3 }, $addToSet: { tags: 'x' } });
    const j1 = await jobs.findOne({ _id: 'j1' });
    assert.equal(j1?.n, 5);
    assert.deepEqual(j1?.tags, ['x']);
    await jobs.updateOne({ _id: 'j2' }, { $set: { state: 'a' }, $setOnInsert: { n: 1 } }, { upsert: true });
    await jobs.updateOne({ _id: 'j2' }, { $set: { state: 'b' }, $setOnInsert: { n: 99 } }, { upsert: true });
    assert.deepEqual(await jobs.findOne({ _id: 'j2' }), { _id: 'j2', state: 'b', n: 1 });
    await jobs.updateOne({ _id: 'j2' }, { $push: { tags: { $each: ['1', '2', '3'], $slice: -2 } } });
    assert.deepEqual((await jobs.findOne({ _id: 'j2' }))?.tags, ['2', '3']);
    assert.equal(await jobs.countDocuments({ state: 'b' }), 2);

    // arrayFilters
    const orders = db.collection<{ _id: number; items: { sku: string; qty: number }[] }>('orders');
    await orders.insertOne({ _id: 1, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 1 }] });
    await orders.updateOne({ _id: 1 }, { $inc: { 'items.$[it].qty': 4 } }, { arrayFilters: [{ 'it.sku': 'b' }] });
    assert.deepEqual((await orders.findOne({ _id: 1 }))?.items, [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }]);

    // bulkWrite
    const bw = await orders.bulkWrite([
      { insertOne: { document: { _id: 2, items: [{ sku: 'a', qty: 2 }] } } },
      { updateOne: { filter: { _id: 2 }, update: { $push: { items: { sku: 'c', qty: 3 } } } } },
    ]);
    assert.equal(bw.insertedCount, 1);
    assert.equal(bw.modifiedCount, 1);

    // aggregation
    const agg = await orders
      .aggregate<{ _id: string; total: number }>([
        { $unwind: '$items' },
        { $group: { _id: '$items.sku', total: { $sum: '$items.qty' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    assert.deepEqual(agg, [
      { _id: 'a', total: 3 },
      { _id: 'b', total: 5 },
      { _id: 'c', total: 3 },
    ]);
  } finally {
    await client.close();
    await mongo.stop();
  }
});

test('memory backend: a query naming a unique index\'s fields and more is looked up by the index and matched whole (same answers as a scan)', { timeout: 60_000 }, async () => {
  const mongo = await startEmbeddedMongo({ backend: 'memory' });
  const client = await connect(mongo.url);
  try {
    const progress = client.db('embedded_test').collection<{ userId: string; eventId: number; n: number; applied?: string[]; settledBefore?: number }>('guarded');
    await progress.createIndex({ userId: 1, eventId: 1 }, { unique: true });
    await progress.insertMany([
      { userId: 'a', eventId: 1, n: 0, applied: ['r1'] },
      { userId: 'a', eventId: 2, n: 0, settledBefore: 10 },
      { userId: 'b', eventId: 1, n: 0 }
    ]);
    const guard = (id: string, at: number) => ({ applied: { $nin: [id] }, settledBefore: { $not: { $gt: at } } });
    // The guarded update of the progress repository: matches only while the guard holds.
    assert.equal((await progress.updateOne({ userId: 'a', eventId: 1, ...guard('r2', 5) }, { $inc: { n: 1 }, $push: { applied: 'r2' } })).modifiedCount, 1);
    assert.equal((await progress.updateOne({ userId: 'a', eventId: 1, ...guard('r2', 5) }, { $inc: { n: 1 } })).modifiedCount, 0, 'listed: refused');
    assert.equal((await progress.updateOne({ userId: 'a', eventId: 2, ...guard('r3', 5) }, { $inc: { n: 1 } })).modifiedCount, 0, 'behind the watermark: refused');
    assert.equal((await progress.updateOne({ userId: 'a', eventId: 2, ...guard('r3', 10) }, { $inc: { n: 1 } })).modifiedCount, 1, 'at the watermark: taken');
    // Refused with upsert: the insert collides with the unique index, as on a real server.
    await assert.rejects(
      progress.updateOne({ userId: 'a', eventId: 1, ...guard('r2', 5) }, { $inc: { n: 1 } }, { upsert: true }),
      (e: unknown) => e instanceof MongoServerError && e.code === 11000
    );
    // Finds with more than the index's fields, including $or and $in beside them.
    assert.deepEqual((await progress.find({ userId: 'a', eventId: 1, n: 1 }).toArray()).map((doc) => doc.eventId), [1]);
    assert.deepEqual(await progress.find({ userId: 'a', eventId: 1, n: 7 }).toArray(), []);
    assert.deepEqual((await progress.find({ userId: 'b', eventId: 1, $or: [{ n: 0 }, { n: 9 }] }).toArray()).map((doc) => doc.userId), ['b']);
    assert.deepEqual((await progress.find({ userId: 'a', eventId: { $in: [1, 2] }, n: 1 }).sort({ eventId: 1 }).toArray()).map((doc) => doc.eventId), [1, 2]);
    assert.deepEqual((await progress.find({ _id: { $exists: true }, userId: 'a', n: 1 }).sort({ eventId: 1 }).toArray()).map((doc) => doc.eventId), [1, 2]);
  } finally {
    await client.close();
    await mongo.stop();
  }
});

test('h2 backend persists across restarts', { timeout: 60_000 }, async () => {
  const file = join(tmp, 'nested', 'dir', 'mongo.mv'); // parent dirs are created
  const first = await startEmbeddedMongo({ backend: 'h2', file });
  let client = await connect(first.url);
  await client.db('persist').collection('things').insertOne({ _id: 'k1' as never, value: 42 });
  await client.close();
  await first.stop();

  const second = await startEmbeddedMongo({ backend: 'h2', file });
  client = await connect(second.url);
  try {
    assert.deepEqual(await client.db('persist').collection('things').findOne({ _id: 'k1' as never }), { _id: 'k1', value: 42 });
  } finally {
    await client.close();
    await second.stop();
  }
});

test('a fixed port: restarted on the same port with the same file, a client connected before carries on', { timeout: 60_000 }, async () => {
  const file = join(tmp, 'restart', 'mongo.mv');
  const port = await freePort();
  const first = await startEmbeddedMongo({ backend: 'h2', file, port });
  assert.equal(first.url, `mongodb://127.0.0.1:${port}/`);
  const client = await new MongoClient(first.url, { serverSelectionTimeoutMS: 1_000 }).connect();
  try {
    const things = client.db('restart').collection<{ _id: string; value: number }>('things');
    await things.insertOne({ _id: 'k1', value: 1 });
    await first.stop();
    // While it is down the driver fails fast (a dead connection, then the selection timeout) rather than waiting.
    for (let i = 0; i < 2; i += 1) await assert.rejects(things.findOne({ _id: 'k1' }), (e: unknown) => isDatabaseUnavailable(e));

    const second = await startEmbeddedMongo({ backend: 'h2', file, port });
    try {
      assert.equal(second.url, first.url);
      assert.deepEqual(await things.findOne({ _id: 'k1' }), { _id: 'k1', value: 1 });
    } finally {
      await second.stop();
    }
  } finally {
    await client.close();
  }
});
