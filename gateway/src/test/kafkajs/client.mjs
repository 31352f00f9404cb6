// kafkajs against a node's Kafka listener, driven by KafkajsIT: node client.mjs '{"brokers":[...],"topic":...,"records":N}'.
// Creates the topic (3 partitions), starts a group of two consumers (one eachMessage, one eachBatch), produces N keyed
// records with the idempotent producer (acks -1, every other send GZIP), waits until the group has read all N, reads the
// group's committed offsets and the end offsets, re-reads the topic from the beginning under another group, and resets
// the first group's offsets to the earliest (admin.resetOffsets).
// Prints one line "RESULT {json}" for the test to check; exits 1 with "FAILED ..." on any error or when time runs out.
import kafkajs from 'kafkajs';

const { Kafka, CompressionTypes, logLevel } = kafkajs;
const task = JSON.parse(process.argv[2]);
const { brokers, topic, records, groupId, rereadGroupId } = task;
const BATCH = 100;

const deadline = setTimeout(() => fail(new Error('timed out')), task.timeoutMs ?? 90_000);
const kafka = new Kafka({ clientId: 'kafkajs-it', brokers, logLevel: logLevel.WARN, retry: { retries: 5 } });
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const consumers = {
  eachMessage: kafka.consumer({ groupId, rebalanceTimeout: 20_000, sessionTimeout: 20_000 }),
  eachBatch: kafka.consumer({ groupId, rebalanceTimeout: 20_000, sessionTimeout: 20_000 }),
};
const rereader = kafka.consumer({ groupId: rereadGroupId });

function fail(error) {
  console.log(`FAILED ${error?.stack ?? error}`);
  process.exit(1);
}

/** Resolves once every consumer has joined the same generation and together they hold all 3 partitions. */
function groupStable() {
  const joins = {};
  return new Promise(resolve => {
    for (const [name, consumer] of Object.entries(consumers)) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        joins[name] = payload;
        // The latest join of each: one generation when they name the same leader and split the partitions between them.
        const all = Object.values(joins);
        const partitions = all.flatMap(join => join.memberAssignment[topic] ?? []);
        if (all.length === 2 && all[0].leaderId === all[1].leaderId && partitions.length === 3
            && new Set(partitions).size === 3) {
          resolve(Object.fromEntries(Object.entries(joins).map(([n, j]) => [n, j.memberAssignment[topic] ?? []])));
        }
      });
    }
  });
}

async function main() {
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

  const consumed = [];
  let allConsumed;
  const done = new Promise(resolve => { allConsumed = resolve; });
  const note = (consumer, partition, message) => {
    consumed.push({ consumer, partition, offset: Number(message.offset), key: message.key.toString(),
      value: message.value.toString() });
    if (consumed.length >= records) {
      allConsumed();
    }
  };
  const stable = groupStable();
  for (const consumer of Object.values(consumers)) {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
  }
  await consumers.eachMessage.run({
    eachMessage: async ({ partition, message }) => note('eachMessage', partition, message),
  });
  await consumers.eachBatch.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const message of batch.messages) {
        note('eachBatch', batch.partition, message);
        resolveOffset(message.offset);
      }
      await heartbeat();
    },
  });
  const assignments = await stable;

  await producer.connect();
  const sent = [];
  for (let start = 0; start < records; start += BATCH) {
    const messages = [];
    for (let i = start; i < Math.min(records, start + BATCH); i++) {
      messages.push({ key: `k${i}`, value: `v${i}` });
    }
    const compression = (start / BATCH) % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None;
    sent.push(...await producer.send({ topic, acks: -1, compression, messages }));
  }
  await producer.disconnect();

  await done;
  // Every batch's offsets are committed before the next is fetched (autoCommit); stopping waits for the last commit.
  await Promise.all(Object.values(consumers).map(consumer => consumer.stop()));
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  await Promise.all(Object.values(consumers).map(consumer => consumer.disconnect()));

  const reread = [];
  let allReread;
  const rereadDone = new Promise(resolve => { allReread = resolve; });
  await rereader.connect();
  await rereader.subscribe({ topics: [topic], fromBeginning: true });
  await rereader.run({
    eachMessage: async ({ partition, message }) => {
      reread.push({ partition, offset: Number(message.offset), key: message.key.toString(),
        value: message.value.toString() });
      if (reread.length >= records) {
        allReread();
      }
    },
  });
  await rereadDone;
  await rereader.disconnect();

  // Commits -2 for every partition (the group must have no members), as Kafka stores it.
  await admin.resetOffsets({ groupId, topic, earliest: true });
  const afterReset = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();

  console.log('RESULT ' + JSON.stringify({
    created,
    assignments,
    sent: sent.map(({ partition, errorCode, baseOffset }) => ({ partition, errorCode, baseOffset: Number(baseOffset) })),
    consumed,
    committed: committed[0].partitions.map(({ partition, offset }) => ({ partition, offset: Number(offset) })),
    ends: ends.map(({ partition, high, low }) => ({ partition, high: Number(high), low: Number(low) })),
    reread,
    afterReset: afterReset[0].partitions.map(({ partition, offset }) => ({ partition, offset: Number(offset) })),
  }));
  clearTimeout(deadline);
}

main().catch(fail);
