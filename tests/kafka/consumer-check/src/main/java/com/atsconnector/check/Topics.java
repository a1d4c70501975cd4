package com.atsconnector.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the connector's event topics the way an operator would before a cluster-mode
 * deployment (docs/operations.md): PARTITIONS partitions, replication factor RF, and
 * cleanup.policy=compact for a topic written as NAME:compact. Topics that exist are left alone.
 *
 * <p>Usage: Topics BOOTSTRAP PARTITIONS RF TOPIC[:compact]... Exit 0 when every topic exists.
 */
public final class Topics {
  public static void main(String[] args) throws InterruptedException {
    if (args.length < 4) {
      System.err.println("usage: Topics BOOTSTRAP PARTITIONS RF TOPIC[:compact]...");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "ats-proof-topics");
    final int partitions = Integer.parseInt(args[1]);
    final short rf = Short.parseShort(args[2]);
    List<NewTopic> topics = new ArrayList<>();
    for (int i = 3; i < args.length; i++) {
      String[] parts = args[i].split(":", 2);
      NewTopic t = new NewTopic(parts[0], partitions, rf);
      if (parts.length == 2 && parts[1].equals("compact")) t.configs(Map.of("cleanup.policy", "compact"));
      topics.add(t);
    }
    int failed = 0;
    try (Admin admin = Admin.create(props)) {
      var result = admin.createTopics(topics);
      for (var e : result.values().entrySet()) {
        try {
          e.getValue().get(60, TimeUnit.SECONDS);
          System.out.println("created " + e.getKey());
        } catch (ExecutionException ex) {
          if (ex.getCause() instanceof TopicExistsException) {
            System.out.println("exists " + e.getKey());
          } else {
            System.err.println("Topics: " + e.getKey() + ": " + ex.getCause());
            failed++;
          }
        } catch (java.util.concurrent.TimeoutException ex) {
          System.err.println("Topics: " + e.getKey() + ": timed out");
          failed++;
        }
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }
}
