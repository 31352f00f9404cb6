package io.streamgate.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.split;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;

/**
 * Spark Structured Streaming word count over Kafka, for scripts/spark-kafka.sh: reads every record of the input topic
 * from the earliest offset, splits the values into words on whitespace, counts each word and writes the counts that
 * changed to the output topic (key = the word, value = its count in decimal), in update mode. The trigger is
 * AvailableNow: the query reads what the topic holds when it starts, then ends by itself. A run with the same
 * checkpoint directory resumes after the offsets the last run committed there, with its counts.
 *
 * <p>Arguments: BOOTSTRAP INPUT_TOPIC OUTPUT_TOPIC CHECKPOINT_DIR [NAME=VALUE...]. Each NAME=VALUE after them is a
 * Spark setting when NAME starts with {@code spark.}, an option of the Kafka sink when it starts with {@code sink.}
 * (which is taken off: {@code sink.kafka.compression.type=zstd}), else an option of the Kafka source (e.g. {@code
 * maxOffsetsPerTrigger=500}, {@code kafka.isolation.level=read_committed}, {@code subscribePattern=spark-l.*}, which
 * replaces {@code subscribe}): variants of the same job to try by hand. Prints one line, {@code rows in: N}, the
 * input records the run read.
 */
public final class WordCountJob {
  private WordCountJob() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println(
          "usage: WordCountJob BOOTSTRAP INPUT_TOPIC OUTPUT_TOPIC CHECKPOINT_DIR [NAME=VALUE...]");
      System.exit(2);
    }
    String bootstrap = args[0];
    Map<String, String> settings = new HashMap<>();
    Map<String, String> sourceOptions = new HashMap<>();
    Map<String, String> sinkOptions = new HashMap<>();
    sourceOptions.put("kafka.bootstrap.servers", bootstrap);
    sourceOptions.put("startingOffsets", "earliest");
    for (String arg : Arrays.asList(args).subList(4, args.length)) {
      String[] nameValue = arg.split("=", 2);
      if (nameValue[0].startsWith("spark.")) {
        settings.put(nameValue[0], nameValue[1]);
      } else if (nameValue[0].startsWith("sink.")) {
        sinkOptions.put(nameValue[0].substring("sink.".length()), nameValue[1]);
      } else {
        sourceOptions.put(nameValue[0], nameValue[1]);
      }
    }
    if (!sourceOptions.containsKey("subscribePattern") && !sourceOptions.containsKey("assign")) {
      sourceOptions.put("subscribe", args[1]);
    }
    SparkSession spark =
        SparkSession.builder()
            .appName("streamgate-word-count")
            .master("local[2]")
            // two shuffle partitions, not 200: a handful of words on a 2-core machine
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            // Spark's driver and block manager listen on loopback only, not on the host's address
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config(new HashMap<String, Object>(settings))
            .getOrCreate();
    try {
      Dataset<Row> lines = spark.readStream().format("kafka").options(sourceOptions).load();
      Dataset<Row> counts =
          lines
              .select(explode(split(col("value").cast("string"), "\\s+")).as("word"))
              .where(col("word").notEqual(""))
              .groupBy("word")
              .count();
      StreamingQuery query =
          counts
              .select(col("word").as("key"), col("count").cast("string").as("value"))
              .writeStream()
              .format("kafka")
              .option("kafka.bootstrap.servers", bootstrap)
              .option("topic", args[2])
              .option("checkpointLocation", args[3])
              .options(sinkOptions)
              .outputMode("update")
              .trigger(Trigger.AvailableNow())
              .start();
      query.awaitTermination();
      long rowsIn =
          Arrays.stream(query.recentProgress()).mapToLong(StreamingQueryProgress::numInputRows).sum();
      System.out.println("rows in: " + rowsIn);
    } finally {
      spark.stop();
    }
  }
}
