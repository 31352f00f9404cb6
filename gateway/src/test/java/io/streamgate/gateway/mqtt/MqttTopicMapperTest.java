package io.streamgate.gateway.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgate.cluster.InternalTopicException;
import io.streamgate.cluster.InvalidTopicNameException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MqttTopicMapperTest {
  private final MqttTopicMapper defaults = MqttTopicMapper.defaults();
  private final MqttTopicMapper rules = MqttTopicMapper.parse(
      "factory/+/temperature -> temperatures {2}; devices/# -> devices {clientId}; per-client/# -> c-{clientId}");

  @Test
  void byDefaultTheFirstLevelNamesTheLogTopicAndTheWholeTopicIsTheKey() {
    MqttTopicMapper.Target target = defaults.map("sensors/kitchen/temp", "c1");
    assertThat(target.logTopic()).isEqualTo("sensors");
    assertThat(new String(target.key(), UTF_8)).isEqualTo("sensors/kitchen/temp");
  }

  @Test
  void theFirstMatchingRuleWinsAndTheDefaultComesLast() {
    MqttTopicMapper.Target temperature = rules.map("factory/line1/temperature", "c1");
    assertThat(temperature.logTopic()).isEqualTo("temperatures");
    assertThat(new String(temperature.key(), UTF_8)).isEqualTo("line1");
    assertThat(new String(rules.map("devices/a/b", "dev-7").key(), UTF_8)).isEqualTo("dev-7");
    assertThat(rules.map("per-client/x", "dev-7").logTopic()).isEqualTo("c-dev-7");
    assertThat(rules.map("factory/line1/pressure", "c1").logTopic()).isEqualTo("factory");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/leading/slash", "has space/x", "$SYS/x", "a*b/c"})
  void topicsThatMapToNoValidLogTopicAreRefused(String mqttTopic) {
    assertThatThrownBy(() -> defaults.map(mqttTopic, "c1")).isInstanceOf(InvalidTopicNameException.class);
  }

  @Test
  void internalLogTopicsAreRefused() {
    assertThatThrownBy(() -> defaults.map("__groups/x", "c1")).isInstanceOf(InternalTopicException.class);
  }

  @Test
  void aFilterReadsTheLogTopicsItsRulesName() {
    assertThat(defaults.logTopicsFor("sensors/+/temp")).contains(Set.of("sensors"));
    assertThat(rules.logTopicsFor("factory/line1/temperature")).contains(Set.of("temperatures"));
    assertThat(rules.logTopicsFor("factory/+/+")).contains(Set.of("temperatures", "factory"));
    assertThat(rules.logTopicsFor("devices/#")).contains(Set.of("devices"));
  }

  @Test
  void aFilterThatLeavesTheLogTopicOpenReadsEveryTopic() {
    assertThat(defaults.logTopicsFor("#")).isEqualTo(Optional.empty());
    assertThat(defaults.logTopicsFor("+/temp")).isEqualTo(Optional.empty());
    assertThat(rules.logTopicsFor("per-client/x")).isEqualTo(Optional.empty());
  }

  @Test
  void internalAndInvalidLogTopicsAreNeverRead() {
    assertThat(defaults.logTopicsFor("__groups/#")).contains(Set.of());
    assertThat(defaults.logTopicsFor("$SYS/#")).contains(Set.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "a/# ->", "a/#/b -> x", "a -> x {nope}", "a -> x y z"})
  void badRulesAreRefusedWithTheRule(String text) {
    assertThatThrownBy(() -> MqttTopicMapper.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule");
  }
}
