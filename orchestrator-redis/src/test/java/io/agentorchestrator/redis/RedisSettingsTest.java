package io.agentorchestrator.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentorchestrator.api.ValidationException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSettingsTest {

    @Test
    void plainUriGetsTheDefaults() {
        RedisSettings s = RedisSettings.parse(URI.create("redis://127.0.0.1"));
        assertThat(s.host()).isEqualTo("127.0.0.1");
        assertThat(s.port()).isEqualTo(6379);
        assertThat(s.tls()).isFalse();
        assertThat(s.user()).isNull();
        assertThat(s.password()).isNull();
        assertThat(s.database()).isZero();
        assertThat(s.prefix()).isEqualTo("ao");
        assertThat(s.maxLen()).isEqualTo(RedisSettings.DEFAULT_MAX_LEN);
        assertThat(s.claimIdle()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.block()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void readsTlsCredentialsDatabaseAndOptions() {
        RedisSettings s = RedisSettings.parse(URI.create(
                "rediss://orchestrator:s%40cret%3Ax@redis.internal:6380/3?prefix=prod&claimIdle=2m&maxLen=5000&block=250ms&poolSize=8"));
        assertThat(s.tls()).isTrue();
        assertThat(s.host()).isEqualTo("redis.internal");
        assertThat(s.port()).isEqualTo(6380);
        assertThat(s.user()).isEqualTo("orchestrator");
        assertThat(s.password()).isEqualTo("s@cret:x");
        assertThat(s.database()).isEqualTo(3);
        assertThat(s.prefix()).isEqualTo("prod");
        assertThat(s.claimIdle()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.maxLen()).isEqualTo(5000);
        assertThat(s.block()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.poolSize()).isEqualTo(8);
    }

    @Test
    void truststoreNeedsTlsAndAFile() {
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?truststore=/etc/hostname")))
                .isInstanceOf(ValidationException.class).hasMessage("truststore needs rediss:// (TLS), but was '/etc/hostname'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("rediss://localhost?truststore=/no/such/file.p12")))
                .isInstanceOf(ValidationException.class).hasMessage("truststore must be a readable trust store file, but was '/no/such/file.p12'");
    }

    @Test
    void passwordOnlyUserinfoMeansRequirepass() {
        RedisSettings s = RedisSettings.parse(URI.create("redis://:hunter2@localhost/1"));
        assertThat(s.user()).isNull();
        assertThat(s.password()).isEqualTo("hunter2");
        assertThat(s.database()).isEqualTo(1);
    }

    @Test
    void passwordNeverShowsInDescriptions() {
        RedisSettings s = RedisSettings.parse(URI.create("redis://u:hunter2@localhost"));
        assertThat(s.redacted()).isEqualTo("redis://localhost:6379/0").doesNotContain("hunter2");
        assertThat(s.toString()).doesNotContain("hunter2");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://hunter2@localhost")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("userinfo must be user:password")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void rejectsWhatItCannotUseNamingTheField() {
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("http://localhost"))).isInstanceOf(ValidationException.class)
                .hasMessage("transport must use the scheme redis:// or rediss://, but was 'http://localhost'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis:localhost"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("transport must be of the form redis://host:port");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?claimIdel=5s")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("transport option must be one of")
                .hasMessageEndingWith("but was 'claimIdel'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?claimIdle=soon")))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("claimIdle must be a duration");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?claimIdle=5ms")))
                .isInstanceOf(ValidationException.class).hasMessage("claimIdle must be at least 100ms, but was '5ms'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost/x"))).isInstanceOf(ValidationException.class)
                .hasMessage("database (URI path) must be an integer, but was 'x'");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?maxLen=10"))).isInstanceOf(ValidationException.class)
                .hasMessage("maxLen must be >= 100, but was 10");
        assertThatThrownBy(() -> RedisSettings.parse(URI.create("redis://localhost?prefix=a%20b"))).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("prefix must be 1-64 characters");
    }
}
