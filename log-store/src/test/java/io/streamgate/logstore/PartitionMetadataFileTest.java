package io.streamgate.logstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionMetadataFileTest {
  @TempDir Path dir;

  @Test
  void theTopicIdIsKeptInKafkasLayoutAndReadBack() throws IOException {
    assertThat(PartitionMetadataFile.read(dir)).as("a directory from before topic ids").isEmpty();

    PartitionMetadataFile.write(dir, "uS0sJ6aHT6aZSmQYnQm6bw");

    assertThat(Files.readString(dir.resolve("partition.metadata"), StandardCharsets.UTF_8))
        .isEqualTo("version: 0\ntopic_id: uS0sJ6aHT6aZSmQYnQm6bw\n");
    assertThat(PartitionMetadataFile.read(dir)).contains("uS0sJ6aHT6aZSmQYnQm6bw");
    PartitionMetadataFile.write(dir, "Q7wJm0pXRzS2Yb1Xc9d8rg");
    assertThat(PartitionMetadataFile.read(dir)).contains("Q7wJm0pXRzS2Yb1Xc9d8rg");
  }

  @Test
  void aMalformedFileIsAStorageErrorNotAnotherTopicsId() throws IOException {
    Files.writeString(dir.resolve("partition.metadata"), "version: 1\ntopic_id: x\n");
    assertThatThrownBy(() -> PartitionMetadataFile.read(dir)).isInstanceOf(LogStorageException.class);
    Files.writeString(dir.resolve("partition.metadata"), "version: 0\ntopic_id: \n");
    assertThatThrownBy(() -> PartitionMetadataFile.read(dir)).isInstanceOf(LogStorageException.class);
  }
}
