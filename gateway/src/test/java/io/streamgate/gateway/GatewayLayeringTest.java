package io.streamgate.gateway;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.streamgate.logstore.LogManager;
import io.streamgate.logstore.LogManagerConfig;
import io.streamgate.logstore.PartitionLog;
import io.vertx.core.http.ClientAuth;

/**
 * How the gateway's packages may depend on one another and on the modules below. Each edge (HTTP,
 * MQTT, the coming Kafka listener) stands beside the others on the cluster's seams: an edge that
 * needs what another edge has means that thing belongs lower down.
 */
@AnalyzeClasses(packages = "io.streamgate.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class GatewayLayeringTest {
  @ArchTest static final ArchRule mqttDoesNotUseHttp = noClasses().that().resideInAPackage("io.streamgate.gateway.mqtt..")
      .should().dependOnClassesThat().resideInAPackage("io.streamgate.gateway.http..")
      .because("edges are siblings: what two edges share lives in the cluster or a shared gateway package");

  @ArchTest static final ArchRule httpDoesNotUseMqtt = noClasses().that().resideInAPackage("io.streamgate.gateway.http..")
      .should().dependOnClassesThat().resideInAPackage("io.streamgate.gateway.mqtt..")
      .because("edges are siblings: what two edges share lives in the cluster or a shared gateway package");

  @ArchTest static final ArchRule kafkaIsAnEdgeBesideTheOthers = noClasses().that().resideInAPackage("io.streamgate.gateway.kafka..")
      .should().dependOnClassesThat().resideInAnyPackage("io.streamgate.gateway.http..", "io.streamgate.gateway.mqtt..")
      .because("edges are siblings: what two edges share lives in the cluster or a shared gateway package");

  /** The codec and its own nested classes (its writer and record set), nothing else. */
  @ArchTest static final ArchRule kafkaWireClassesOnlyInTheCodec = noClasses().that().haveNameNotMatching(
      "io\\.streamgate\\.gateway\\.kafka\\.KafkaCodec(\\$.*)?")
      .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.common.protocol..", "org.apache.kafka.common.requests..",
          "org.apache.kafka.common.record..")
      .because("kafka-clients' wire classes are not public API and move between versions: one class holds them (docs/decisions.md)");

  @ArchTest static final ArchRule kafkaMessagesOnlyInTheKafkaEdge =
      noClasses().that().resideOutsideOfPackage("io.streamgate.gateway.kafka..")
          .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
          .because("only the Kafka edge speaks Kafka's protocol");

  @ArchTest static final ArchRule metricsKnowNoEdge = noClasses().that().resideInAPackage("io.streamgate.gateway.metrics..")
      .should().dependOnClassesThat().resideInAnyPackage("io.streamgate.gateway.http..", "io.streamgate.gateway.mqtt..",
          "io.streamgate.gateway.kafka..")
      .because("every edge counts its traffic in the node's meters");

  @ArchTest static final ArchRule httpTypesOnlyInTheHttpEdge = noClasses().that().resideOutsideOfPackage("io.streamgate.gateway.http..")
      .and().doNotHaveFullyQualifiedName("io.streamgate.gateway.security.JwksKeys")
      // ClientAuth is TLS's (every TLS server's options take it), kept by Vert.x in its HTTP package.
      .should()
      .dependOnClassesThat(resideInAnyPackage("io.vertx.core.http..", "io.vertx.ext.web..").and(not(equivalentTo(ClientAuth.class))))
      .because("only the HTTP edge speaks HTTP (JwksKeys is a client: it fetches a token issuer's keys)");

  @ArchTest static final ArchRule storageOnlyThroughThePartitionService = noClasses().that().resideInAPackage("io.streamgate.gateway..")
      .should().dependOnClassesThat().belongToAnyOf(LogManager.class, LogManagerConfig.class, PartitionLog.class)
      .because("the gateway never learns where a partition lives: logs are reached through the cluster's PartitionService");
}
