// mqtt.js driven by MqttJsClientsIT. One JSON argument says what to do:
//   {"url", "protocolVersion", "clientId", "clean", "publish": [{"topic", "message", "qos", "retain"}], "topicAliases"}
//     publishes each message (waiting for its acknowledgement at QoS 1 and 2), then disconnects; with
//     "topicAliases" (MQTT 5) mqtt.js gives topics aliases and sends repeated topics by alias only;
//   {"url", "protocolVersion", "clientId", "clean", "subscribe": ["filter", ...], "qos"}
//     subscribes, prints "SUBACK <granted qos,...>", then one "topic payload" line per message until killed.
// Any error is printed as "ERROR <message>" and exits 1.
import mqtt from "mqtt";

const task = JSON.parse(process.argv[2]);

function fail(error) {
  console.log(`ERROR ${error?.message ?? error}`);
  process.exit(1);
}

try {
  const client = mqtt.connect(task.url, {
    protocolVersion: task.protocolVersion,
    clientId: task.clientId,
    clean: task.clean,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    autoAssignTopicAlias: Boolean(task.topicAliases),
  });
  client.on("error", fail);
  // Before the CONNACK: a resumed session's messages may come in the same read as it.
  client.on("message", (topic, payload) => console.log(`${topic} ${payload.toString("utf8")}`));
  await new Promise((resolve) => client.once("connect", resolve));
  if (task.publish) {
    for (const { topic, message, qos, retain } of task.publish) {
      await client.publishAsync(topic, message, { qos, retain });
    }
    await client.endAsync();
  } else {
    const granted = await client.subscribeAsync(task.subscribe, { qos: task.qos });
    console.log(`SUBACK ${granted.map((grant) => grant.qos).join(",")}`);
  }
} catch (error) {
  fail(error);
}
