package io.streamgate.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.split;

import java.util.Arrays;
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
 * <p>Arguments: BOOTSTRAP INPUT_TOPIC OUTPUT_TOPIC CHECKPOINT_DIR. Prints one line, {@code rows in: N}, the input
 * records the run read.
 */
public final class WordCountJob {
  private WordCountJob() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: WordCountJob BOOTSTRAP INPUT_TOPIC OUTPUT_TOPIC CHECKPOINT_DIR");
      System.exit(2);
    }
    String bootstrap = args[0];
    SparkSession spark =
        SparkSession.builder()
            .appName("streamgate-word-count")
            .master("local[2]")
            // two shuffle partitions, not 200: a handful of words on a 2-core machine
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      Dataset<Row> lines =
          spark
              .readStream()
              .format("kafka")
              .option("kafka.bootstrap.servers", bootstrap)
              .option("subscribe", args[1])
              .option("startingOffsets", "earliest")
              .load();
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
