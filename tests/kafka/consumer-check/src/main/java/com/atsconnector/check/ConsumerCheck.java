package com.atsconnector.check;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads every record of the connector's topics with the official Java client and checks what a
 * JVM downstream relies on:
 *
 * <ul>
 *   <li>the CloudEvents binary-mode headers (ce_specversion, ce_id, ce_source, ce_type, ce_time,
 *       ce_subject, content-type), each once, as UTF-8, with the values README's event reference
 *       promises;
 *   <li>the key, as a UTF-8 string "&lt;connection&gt;/&lt;id&gt;" matching ce_source and
 *       ce_subject;
 *   <li>the partition: the one Java's default partitioner picks for the key,
 *       {@code Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions}, so that a Java producer
 *       of the same keys, or a join on them, agrees with us.
 * </ul>
 *
 * <p>A topic given as TOPIC=state is a current-state topic (compacted, not CloudEvents): its
 * records carry only content-type, a null value is a tombstone, and the topic is read as a table
 * (the last value per key; a tombstone removes the key), whose size is printed as
 * "state table TOPIC: N keys".
 *
 * <p>Usage: ConsumerCheck BOOTSTRAP CONNECTION SOURCE MIN_RECORDS TOPIC[=TYPE] ... Exit 0 when
 * every check passed on at least MIN_RECORDS records, 1 otherwise; prints what it checked.
 */
public final class ConsumerCheck {
  private static final Pattern CE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final List<String> REQUIRED =
      List.of("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type");

  private final Map<String, Integer> failuresByCheck = new TreeMap<>();
  private final Map<String, Integer> passedByCheck = new TreeMap<>();
  private final List<String> examples = new ArrayList<>();
  private final Map<String, Map<String, String>> tables = new TreeMap<>();

  private void check(String name, boolean ok, String what) {
    if (ok) {
      passedByCheck.merge(name, 1, Integer::sum);
      return;
    }
    failuresByCheck.merge(name, 1, Integer::sum);
    if (examples.size() < 25) examples.add(name + ": " + what);
  }

  /** The kafka-clients release, from the version file the jar carries. */
  private static String clientsVersion() {
    try (var in = KafkaConsumer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      Properties p = new Properties();
      if (in != null) p.load(in);
      return p.getProperty("version", "unknown");
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static String strictUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  public static void main(String[] args) {
    if (args.length < 5) {
      System.err.println("usage: ConsumerCheck BOOTSTRAP CONNECTION SOURCE MIN_RECORDS TOPIC=CE_TYPE ...");
      System.exit(2);
    }
    System.exit(new ConsumerCheck().run(args));
  }

  private int run(String[] args) {
    final String bootstrap = args[0];
    final String connection = args[1];
    final String source = args[2];
    final int minRecords = Integer.parseInt(args[3]);
    final Map<String, String> typeByTopic = new TreeMap<>();
    for (int i = 4; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      typeByTopic.put(kv[0], kv[1]);
    }
    final String expectedSource = "/ats-connector/" + source + "/" + connection;

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ats-java-consumer-check");

    long records = 0;
    Map<String, Integer> perTopic = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      Map<String, Integer> partitionCount = new HashMap<>();
      List<TopicPartition> assignment = new ArrayList<>();
      for (String topic : typeByTopic.keySet()) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
          System.out.println("FAIL: topic " + topic + " does not exist");
          return 1;
        }
        partitionCount.put(topic, infos.size());
        for (PartitionInfo p : infos) assignment.add(new TopicPartition(topic, p.partition()));
      }
      consumer.assign(assignment);
      consumer.seekToBeginning(assignment);
      Map<TopicPartition, Long> end = consumer.endOffsets(assignment, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : assignment) {
          if (consumer.position(tp, Duration.ofSeconds(10)) < end.get(tp)) done = false;
        }
        if (done) break;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          records++;
          perTopic.merge(r.topic(), 1, Integer::sum);
          checkRecord(r, typeByTopic.get(r.topic()), partitionCount.get(r.topic()), expectedSource, connection);
        }
      }
      for (TopicPartition tp : assignment) {
        check("read to the end offsets", consumer.position(tp, Duration.ofSeconds(10)) >= end.get(tp),
            tp + " stopped before offset " + end.get(tp));
      }
    }
    check("at least " + minRecords + " records", records >= minRecords, "read only " + records);

    System.out.println("Java consumer check (kafka-clients " + clientsVersion()
        + ") on " + bootstrap + ": " + records + " records " + perTopic);
    for (Map.Entry<String, Integer> e : passedByCheck.entrySet()) {
      int failed = failuresByCheck.getOrDefault(e.getKey(), 0);
      System.out.println("  " + (failed == 0 ? "ok  " : "FAIL") + " " + e.getKey() + ": " + e.getValue()
          + " passed, " + failed + " failed");
    }
    for (Map.Entry<String, Integer> e : failuresByCheck.entrySet()) {
      if (!passedByCheck.containsKey(e.getKey()))
        System.out.println("  FAIL " + e.getKey() + ": 0 passed, " + e.getValue() + " failed");
    }
    for (Map.Entry<String, Map<String, String>> t : tables.entrySet())
      System.out.println("state table " + t.getKey() + ": " + t.getValue().size() + " keys");
    for (String ex : examples) System.out.println("  failure: " + ex);
    int failures = failuresByCheck.values().stream().mapToInt(Integer::intValue).sum();
    System.out.println(failures == 0 ? "Java consumer check: all checks passed" : "Java consumer check: " + failures + " failures");
    return failures == 0 ? 0 : 1;
  }

  private void checkRecord(ConsumerRecord<byte[], byte[]> r, String expectedType, int partitions,
      String expectedSource, String connection) {
    final String where = r.topic() + "-" + r.partition() + "@" + r.offset();
    if ("state".equals(expectedType)) {
      checkStateRecord(r, partitions, connection, where);
      return;
    }
    Map<String, String> headers = new HashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean utf8 = true;
    for (Header h : r.headers()) {
      seen.merge(h.key(), 1, Integer::sum);
      String v = h.value() == null ? null : strictUtf8(h.value());
      if (v == null) utf8 = false;
      headers.put(h.key(), v);
    }
    check("headers are UTF-8 text", utf8, where + " has a header that is not UTF-8");
    for (String name : REQUIRED) {
      check("header " + name + " present once", seen.getOrDefault(name, 0) == 1,
          where + " has " + seen.getOrDefault(name, 0) + " " + name + " headers");
    }
    check("ce_specversion is 1.0", "1.0".equals(headers.get("ce_specversion")), where + ": " + headers.get("ce_specversion"));
    String id = headers.get("ce_id");
    check("ce_id is 32 hex chars", id != null && CE_ID.matcher(id).matches(), where + ": " + id);
    check("ce_source is " + expectedSource, expectedSource.equals(headers.get("ce_source")),
        where + ": " + headers.get("ce_source"));
    check("ce_type matches the topic", expectedType.equals(headers.get("ce_type")),
        where + ": " + headers.get("ce_type") + ", expected " + expectedType);
    String time = headers.get("ce_time");
    boolean timeOk = false;
    if (time != null) {
      try {
        OffsetDateTime.parse(time);
        timeOk = true;
      } catch (DateTimeParseException e) {
        timeOk = false;
      }
    }
    check("ce_time is RFC 3339", timeOk, where + ": " + time);
    check("content-type is application/json", "application/json".equals(headers.get("content-type")),
        where + ": " + headers.get("content-type"));

    byte[] keyBytes = r.key();
    String key = keyBytes == null ? null : strictUtf8(keyBytes);
    check("key is a UTF-8 string", key != null, where + " key is null or not UTF-8");
    if (key == null) return;
    check("key is <connection>/<id>", key.startsWith(connection + "/") && key.length() > connection.length() + 1,
        where + ": " + key);
    if (expectedType.endsWith(".dead-letter.v1")) {
      check("dead-letter has no ce_subject", !seen.containsKey("ce_subject"), where + ": " + headers.get("ce_subject"));
    } else {
      check("header ce_subject present once", seen.getOrDefault("ce_subject", 0) == 1, where);
      check("ce_subject is the id in the key", (connection + "/" + headers.get("ce_subject")).equals(key),
          where + ": key " + key + ", ce_subject " + headers.get("ce_subject"));
    }
    String value = r.value() == null ? null : strictUtf8(r.value());
    check("value is UTF-8 JSON text", value != null && value.startsWith("{") && value.endsWith("}"), where);

    int expected = Utils.toPositive(Utils.murmur2(keyBytes)) % partitions;
    check("partition is murmur2(key) % partitions (Java's default partitioner)", r.partition() == expected,
        where + ": key " + key + " is in partition " + r.partition() + ", Java puts it in " + expected);
  }

  /** A current-state record: content-type only, a JSON object or a tombstone, Java's partition. */
  private void checkStateRecord(ConsumerRecord<byte[], byte[]> r, int partitions, String connection, String where) {
    Map<String, Integer> seen = new HashMap<>();
    String contentType = null;
    for (Header h : r.headers()) {
      seen.merge(h.key(), 1, Integer::sum);
      if (h.key().equals("content-type") && h.value() != null) contentType = strictUtf8(h.value());
    }
    check("state record has no ce_* headers", seen.keySet().stream().noneMatch(k -> k.startsWith("ce_")),
        where + ": " + seen.keySet());
    check("state record content-type is application/json once",
        seen.getOrDefault("content-type", 0) == 1 && "application/json".equals(contentType), where);
    byte[] keyBytes = r.key();
    String key = keyBytes == null ? null : strictUtf8(keyBytes);
    check("key is a UTF-8 string", key != null, where + " key is null or not UTF-8");
    if (key == null) return;
    check("key is <connection>/<id>", key.startsWith(connection + "/") && key.length() > connection.length() + 1,
        where + ": " + key);
    Map<String, String> table = tables.computeIfAbsent(r.topic(), t -> new TreeMap<>());
    if (r.value() == null) {
      table.remove(key);
    } else {
      String value = strictUtf8(r.value());
      check("state value is a UTF-8 JSON object with an id", value != null && value.startsWith("{")
          && value.endsWith("}") && value.contains("\"id\":"), where);
      if (value != null) table.put(key, value);
    }
    int expected = Utils.toPositive(Utils.murmur2(keyBytes)) % partitions;
    check("partition is murmur2(key) % partitions (Java's default partitioner)", r.partition() == expected,
        where + ": key " + key + " is in partition " + r.partition() + ", Java puts it in " + expected);
  }
}
