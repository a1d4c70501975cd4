package com.atsconnector.check;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Prints "PARTITION LEADER_NODE_ID" per partition of TOPIC (-1 when it has no leader), from the
 * cluster's metadata: the cluster proof finds the broker to kill -9 with it.
 *
 * <p>Usage: Leaders BOOTSTRAP TOPIC. Exit 1 when the topic does not exist.
 */
public final class Leaders {
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: Leaders BOOTSTRAP TOPIC");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "ats-proof-leaders");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<PartitionInfo> infos = consumer.partitionsFor(args[1], Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        System.err.println("Leaders: topic " + args[1] + " does not exist");
        System.exit(1);
      }
      for (PartitionInfo p : infos)
        System.out.println(p.partition() + " " + (p.leader() == null || p.leader().isEmpty() ? -1 : p.leader().id()));
    }
  }
}
