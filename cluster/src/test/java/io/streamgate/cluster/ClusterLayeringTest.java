package io.streamgate.cluster;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The middle of the module graph: the cluster serves every edge (HTTP, MQTT, the coming Kafka
 * listener), so it knows none of their protocols. Vert.x core is on its classpath for the event bus,
 * which is why the HTTP half of Vert.x needs a rule rather than the pom.
 */
@AnalyzeClasses(packages = "io.streamgate.cluster", importOptions = ImportOption.DoNotIncludeTests.class)
class ClusterLayeringTest {
  @ArchTest static final ArchRule noEdgeProtocols = noClasses().that().resideInAPackage("io.streamgate.cluster..")
      .should().dependOnClassesThat().resideInAnyPackage("io.streamgate.gateway..", "io.vertx.core.http..",
          "io.vertx.ext.web..", "io.vertx.mqtt..", "io.netty.handler.codec.http..", "io.netty.handler.codec.mqtt..")
      .because("dependencies point down: the edges use the cluster, never the reverse (docs/architecture.md)");

  @ArchTest static final ArchRule raftStaysInTheMetadataLog = noClasses().that().resideOutsideOfPackage("io.streamgate.cluster.metadata..")
      .should().dependOnClassesThat().resideInAPackage("org.apache.ratis..")
      .because("the metadata log is the one user of Ratis; the rest of the cluster sees commands, replies and state");
}
