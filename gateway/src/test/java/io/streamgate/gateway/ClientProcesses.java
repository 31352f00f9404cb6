package io.streamgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Third-party client programs run by the integration tests; every process started is stopped by {@link #stopAll}. */
public final class ClientProcesses {
  private final List<Process> processes = new ArrayList<>();

  public static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String directory : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(directory, program))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a program to its end in {@code directory}; fails unless it exits 0 within the time given. */
  public String run(Path directory, long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    processes.add(process);
    // Read while it runs, so a chatty program never blocks on a full pipe.
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader = readLines(process, output);
    assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(process.exitValue()).as("%s: %s", command, output).isZero();
    return String.join("\n", output);
  }

  /** Starts a long-running program and returns its output lines as they come. */
  public List<String> start(Path directory, List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    processes.add(process);
    List<String> lines = new CopyOnWriteArrayList<>();
    readLines(process, lines);
    return lines;
  }

  public void stopAll() {
    processes.forEach(Process::destroyForcibly);
    processes.clear();
  }

  private static Thread readLines(Process process, List<String> lines) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (IOException e) {
        // The process was stopped.
      }
    }, "client-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }
}
