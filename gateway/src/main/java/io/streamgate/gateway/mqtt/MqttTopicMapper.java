package io.streamgate.gateway.mqtt;

import io.streamgate.cluster.TopicNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an MQTT PUBLISH goes in the log, and which log topics a SUBSCRIBE must read. Rules are
 * tried in order, the first whose MQTT filter matches the topic wins, and the default rule
 * {@code # -> {1} {topic}} comes last: the first topic level names the log topic, the whole MQTT
 * topic is the key. Templates may use {@code {n}} (the n-th level, from 1), {@code {topic}} (the
 * whole MQTT topic) and {@code {clientId}} (the publisher's client id).
 *
 * <p>Configured as {@code FILTER -> LOG_TOPIC [KEY]} rules separated by {@code ;}, for example
 * {@code factory/+/temperature -> temperatures {2}; devices/# -> devices}. Immutable, thread-safe.
 */
public final class MqttTopicMapper {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
  private static final Rule DEFAULT_RULE = new Rule("#", "{1}", "{topic}");

  /** One mapping rule: MQTT topic filter → log topic template and key template. */
  public record Rule(String filter, String logTopic, String key) {}

  /** Where one publish goes: the log topic and the record's key. */
  public record Target(String logTopic, byte[] key) {}

  private final List<Rule> rules;

  private MqttTopicMapper(List<Rule> rules) {
    List<Rule> all = new ArrayList<>(rules);
    all.add(DEFAULT_RULE);
    this.rules = List.copyOf(all);
  }

  /** The default mapping alone. */
  public static MqttTopicMapper defaults() {
    return new MqttTopicMapper(List.of());
  }

  /** Parses {@code FILTER -> LOG_TOPIC [KEY]; ...}; throws {@link IllegalArgumentException} saying what is wrong. */
  public static MqttTopicMapper parse(String text) {
    List<Rule> rules = new ArrayList<>();
    for (String part : text.split(";")) {
      String rule = part.trim();
      if (rule.isEmpty()) {
        continue;
      }
      String[] sides = rule.split("->", -1);
      if (sides.length != 2) {
        throw new IllegalArgumentException("mapping rule '" + rule + "' must read FILTER -> LOG_TOPIC [KEY]");
      }
      String filter = sides[0].trim();
      String[] targets = sides[1].trim().split("\\s+");
      if (!MqttTopics.isValidFilter(filter) || targets[0].isEmpty() || targets.length > 2) {
        throw new IllegalArgumentException("mapping rule '" + rule + "' must read FILTER -> LOG_TOPIC [KEY] with a valid MQTT filter");
      }
      String key = targets.length == 2 ? targets[1] : "{topic}";
      checkPlaceholders(rule, targets[0]);
      checkPlaceholders(rule, key);
      rules.add(new Rule(filter, targets[0], key));
    }
    return new MqttTopicMapper(rules);
  }

  private static void checkPlaceholders(String rule, String template) {
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      String name = m.group(1);
      if (!name.equals("topic") && !name.equals("clientId") && !name.matches("[1-9][0-9]{0,3}")) {
        throw new IllegalArgumentException("mapping rule '" + rule + "': unknown placeholder {" + name
            + "}; use {1}, {2}, ..., {topic} or {clientId}");
      }
    }
  }

  /**
   * The log topic and key of a publish to the valid topic name {@code mqttTopic}. Throws
   * {@link io.streamgate.cluster.InvalidTopicNameException} when the rule yields no valid log topic
   * name, {@link io.streamgate.cluster.InternalTopicException} when it yields an internal one.
   */
  Target map(String mqttTopic, String clientId) {
    String[] levels = mqttTopic.split("/", -1);
    for (Rule rule : rules) {
      // The default rule takes topics starting with '$' too, which no wildcard filter matches (§4.7.2).
      if (rule == DEFAULT_RULE || MqttTopics.matches(rule.filter(), mqttTopic)) {
        String logTopic = fill(rule.logTopic(), mqttTopic, levels, clientId);
        if (logTopic == null) {
          throw new io.streamgate.cluster.InvalidTopicNameException("MQTT topic '" + mqttTopic + "' has no level the rule '"
              + rule.filter() + " -> " + rule.logTopic() + "' names");
        }
        TopicNames.requireValid(logTopic);
        TopicNames.refuseInternal(logTopic, "publish to");
        String key = fill(rule.key(), mqttTopic, levels, clientId);
        return new Target(logTopic, (key == null ? mqttTopic : key).getBytes(StandardCharsets.UTF_8));
      }
    }
    throw new IllegalStateException("the default rule takes every topic");
  }

  /**
   * The log topics that can hold records matching the valid {@code filter}, or empty when the
   * filter leaves the log topic open (a wildcard where a rule takes the topic's name from, or a
   * {@code {clientId}} rule): then every topic must be read.
   */
  Optional<Set<String>> logTopicsFor(String filter) {
    Set<String> topics = new LinkedHashSet<>();
    for (Rule rule : rules) {
      if (!MqttTopics.overlap(rule.filter(), filter)) {
        continue;
      }
      String logTopic = fillFromFilter(rule.logTopic(), filter);
      if (logTopic == null) {
        return Optional.empty();
      }
      if (!TopicNames.isInternal(logTopic) && isValidTopicName(logTopic)) {
        topics.add(logTopic);
      }
      if (covers(rule.filter(), filter)) {
        break;  // every topic the filter matches takes this rule: later ones never apply
      }
    }
    return Optional.of(topics);
  }

  private static boolean isValidTopicName(String name) {
    try {
      TopicNames.requireValid(name);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Fills a template from a topic name; null if it names a level the topic does not have. */
  private static String fill(String template, String topic, String[] levels, String clientId) {
    StringBuilder out = new StringBuilder();
    Matcher m = PLACEHOLDER.matcher(template);
    int last = 0;
    while (m.find()) {
      out.append(template, last, m.start());
      String name = m.group(1);
      if (name.equals("topic")) {
        out.append(topic);
      } else if (name.equals("clientId")) {
        out.append(clientId);
      } else {
        int level = Integer.parseInt(name);
        if (level > levels.length || levels[level - 1].isEmpty()) {
          return null;
        }
        out.append(levels[level - 1]);
      }
      last = m.end();
    }
    return out.append(template.substring(last)).toString();
  }

  /** Fills a log-topic template from a filter; null if a level it takes is a wildcard there, or it takes the client id. */
  private static String fillFromFilter(String template, String filter) {
    String[] levels = filter.split("/", -1);
    StringBuilder out = new StringBuilder();
    Matcher m = PLACEHOLDER.matcher(template);
    int last = 0;
    while (m.find()) {
      out.append(template, last, m.start());
      String name = m.group(1);
      String value;
      if (name.equals("topic")) {
        value = filter.contains("+") || filter.contains("#") ? null : filter;
      } else if (name.equals("clientId")) {
        value = null;
      } else {
        int level = Integer.parseInt(name);
        value = level > levels.length ? null : levels[level - 1];
        if (value != null && (value.equals("+") || value.equals("#") || value.isEmpty())) {
          value = null;
        }
      }
      if (value == null) {
        return null;
      }
      out.append(value);
      last = m.end();
    }
    return out.append(template.substring(last)).toString();
  }

  /** Whether every topic name matching {@code filter} also matches {@code rule}. */
  private static boolean covers(String rule, String filter) {
    String[] r = rule.split("/", -1);
    String[] f = filter.split("/", -1);
    for (int i = 0; i < r.length; i++) {
      if (r[i].equals("#")) {
        return true;
      }
      if (i >= f.length || f[i].equals("#") || !r[i].equals("+") && !r[i].equals(f[i])) {
        return false;
      }
    }
    return r.length == f.length;
  }
}
