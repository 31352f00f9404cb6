package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.PartitionService;
import io.streamgate.gateway.GatewayConfig;
import io.streamgate.gateway.http.Murmur2Partitioner;

/**
 * What every MQTT connection of a node shares: the partition service, the log topics, the client
 * registry, the authentication hook, the meters and the configuration. All thread-safe.
 *
 * @param writeQueueBytes bytes a subscriber's socket may queue before delivery to it pauses
 */
record MqttNodeServices(PartitionService service, MqttLogTopics topics, MqttClients clients, MqttAuthenticator authenticator,
    MqttMetrics metrics, Murmur2Partitioner partitioner, GatewayConfig.Mqtt config, int writeQueueBytes) {}
