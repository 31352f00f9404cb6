package io.streamgate.logstore;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The bottom of the module graph: the log store knows the JDK, SLF4J and its compression codecs, and
 * nothing of the cluster, the gateway, Vert.x, Hazelcast or Jackson. Its pom keeps the upper modules
 * off its classpath; this keeps a library added to that pom from leaking into the code unnoticed.
 */
@AnalyzeClasses(packages = "io.streamgate.logstore", importOptions = ImportOption.DoNotIncludeTests.class)
class LogStoreLayeringTest {
  @ArchTest static final ArchRule onlyJdkSlf4jAndCodecs = classes().that().resideInAPackage("io.streamgate.logstore..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("io.streamgate.logstore..", "java..", "javax.annotation..",
          "org.slf4j..", "net.jpountz.lz4..", "com.github.luben.zstd..", "org.xerial.snappy..")
      .because("log-store is the bottom layer: JDK, SLF4J and compression codecs only (docs/architecture.md)");
}
