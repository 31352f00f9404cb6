package io.streamgate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console's ES modules, read from the classpath the gateway serves them from and followed by
 * their imports from the shell, {@code js/app.js}: the shell imports the views and nothing imports
 * the shell, and no modules import each other in a cycle (what the views share lives in modules of
 * its own).
 */
class ConsoleModuleGraphTest {
  private static final String ROOT = "streamgate-console/";
  private static final String SHELL = "js/app.js";
  private static final Pattern IMPORT = Pattern.compile("^\\s*(?:import|export)\\b[^;]*?\\bfrom\\s+'([^']+)'", Pattern.MULTILINE);

  @Test
  void nothingImportsTheShell() throws IOException {
    Map<String, List<String>> graph = importsFrom(SHELL);
    assertThat(graph.get(SHELL)).as("the shell imports the views").anyMatch(module -> module.startsWith("js/views/"));
    graph.forEach((module, imports) -> assertThat(imports).as(module + " imports").doesNotContain(SHELL));
  }

  @Test
  void noModulesImportEachOtherInACycle() throws IOException {
    Map<String, List<String>> graph = importsFrom(SHELL);
    assertThat(graph).as("modules reached from the shell").containsKeys("js/dom.js", "js/views/topic.js");
    for (String module : graph.keySet()) {
      assertThat(cycleFrom(module, graph, new ArrayDeque<>())).as("an import cycle").isEmpty();
    }
  }

  /** Every module reached from start, with the modules each imports (paths under ROOT). */
  private static Map<String, List<String>> importsFrom(String start) throws IOException {
    Map<String, List<String>> graph = new LinkedHashMap<>();
    Deque<String> toRead = new ArrayDeque<>(List.of(start));
    while (!toRead.isEmpty()) {
      String module = toRead.pop();
      if (graph.containsKey(module)) {
        continue;
      }
      List<String> imports = new ArrayList<>();
      Matcher found = IMPORT.matcher(read(module));
      while (found.find()) {
        imports.add(URI.create(module).resolve(found.group(1)).toString());
      }
      graph.put(module, imports);
      toRead.addAll(imports);
    }
    return graph;
  }

  /** The modules of a cycle through module reached along path, or an empty list. */
  private static List<String> cycleFrom(String module, Map<String, List<String>> graph, Deque<String> path) {
    if (path.contains(module)) {
      List<String> cycle = new ArrayList<>(path);
      cycle.add(module);
      return cycle.subList(cycle.indexOf(module), cycle.size());
    }
    path.addLast(module);
    for (String imported : graph.get(module)) {
      List<String> cycle = cycleFrom(imported, graph, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.removeLast();
    return List.of();
  }

  private static String read(String module) throws IOException {
    try (InputStream in = ConsoleModuleGraphTest.class.getClassLoader().getResourceAsStream(ROOT + module)) {
      assertThat(in).as("the module " + module).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
