package com.atsconnector.check;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The cluster proof's independent reader: what a downstream JVM with {@code
 * isolation.level=read_committed} sees. Reads every partition of the given topics from the
 * beginning to the last stable offset at start (no consumer group, nothing committed) and writes
 * one JSON line per record:
 *
 * <pre>{"topic","partition","offset","timestamp","key","headers":{"ce_id":...},"value"}</pre>
 *
 * key and value as text (null for null; a tombstone's value is null), header values as text.
 * Records of aborted transactions are never returned by the client, so a line in the file is a
 * committed record.
 *
 * <p>Usage: Dump BOOTSTRAP OUT_FILE TIMEOUT_S TOPIC... Exit 0 when every partition was read to
 * its end offset within TIMEOUT_S, 1 otherwise (the lines read are still written), 2 for bad
 * usage. A topic that does not exist is an error (exit 1).
 */
public final class Dump {
  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: Dump BOOTSTRAP OUT_FILE TIMEOUT_S TOPIC...");
      System.exit(2);
    }
    System.exit(run(args[0], Path.of(args[1]), Integer.parseInt(args[2]), List.of(args).subList(3, args.length)));
  }

  private static int run(String bootstrap, Path out, int timeoutS, List<String> topics) throws IOException {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ats-proof-dump");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    final long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
    long records = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      List<TopicPartition> assignment = new ArrayList<>();
      for (String topic : topics) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
          System.err.println("Dump: topic " + topic + " does not exist");
          return 1;
        }
        for (PartitionInfo p : infos) assignment.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(assignment);
      consumer.seekToBeginning(assignment);
      // read_committed: the end offsets are the last stable offsets (no open transaction before).
      Map<TopicPartition, Long> end = consumer.endOffsets(assignment, Duration.ofSeconds(30));
      while (true) {
        boolean done = true;
        for (TopicPartition tp : assignment) {
          if (consumer.position(tp, Duration.ofSeconds(10)) < end.get(tp)) done = false;
        }
        if (done) break;
        if (System.nanoTime() > deadline) {
          System.err.println("Dump: not at the end offsets " + end + " within " + timeoutS + " s");
          return 1;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          w.write(line(r));
          w.write('\n');
          records++;
        }
      }
      System.err.println("Dump (read_committed): " + records + " records of " + assignment.size()
          + " partitions written to " + out);
    }
    return 0;
  }

  private static String line(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"topic\":");
    quote(b, r.topic());
    b.append(",\"partition\":").append(r.partition()).append(",\"offset\":").append(r.offset());
    b.append(",\"timestamp\":").append(r.timestamp()).append(",\"key\":");
    text(b, r.key());
    b.append(",\"headers\":{");
    boolean first = true;
    for (Header h : r.headers()) {
      if (!first) b.append(',');
      first = false;
      quote(b, h.key());
      b.append(':');
      text(b, h.value());
    }
    b.append("},\"value\":");
    text(b, r.value());
    return b.append('}').toString();
  }

  private static void text(StringBuilder b, byte[] bytes) {
    if (bytes == null) {
      b.append("null");
    } else {
      quote(b, new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
