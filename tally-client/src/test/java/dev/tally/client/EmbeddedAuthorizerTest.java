package dev.tally.client;

import dev.tally.client.testing.RealTally;
import dev.tally.core.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedAuthorizerTest {
    private static final String LIMITS = """
            {"metric":"requests","window":"minute","amount":10},
            {"metric":"tokens","window":"day","amount":5000,"provider":"openai"},
            {"metric":"cost","window":"month","amount":"2.00"},
            {"metric":"input_tokens","window":"month","amount":null}""";

    @TempDir
    Path dir;
    private RealTally tally;
    private MutableClock clock;
    private Authorizer embedded;
    private Authorizer remote;

    @BeforeEach
    void start() {
        // A still clock: both paths count seconds to each reset from the same instant.
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        tally = RealTally.start(dir, clock);
        tally.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000}]""");
        tally.customer("embedded", LIMITS);
        tally.customer("remote", LIMITS);
        embedded = new EmbeddedAuthorizer(tally.server().enforcer(), clock);
        remote = new RemoteAuthorizer(tally.client());
    }

    @AfterEach
    void stop() {
        tally.close();
    }

    private static Call call(String customer, long inputTokens) {
        return Call.of(customer).withProvider("openai").withModel("gpt-4").withEndpoint("/api/chat")
                .withEstimate("input_tokens", inputTokens);
    }

    @Test
    void authorize_sameStateInProcessAndOverHttp_sameDecisionAndHeaders() {
        for (long tokens : new long[]{1000, 1500, 333}) {
            Decision a = embedded.authorize(call("embedded", tokens));
            Decision b = remote.authorize(call("remote", tokens));

            assertThat(a.allowed()).isTrue();
            assertThat(a.reservation()).startsWith("rsv_");
            assertThat(a.limits()).isEqualTo(b.limits());
            assertThat(a.headers()).isEqualTo(b.headers());
        }
        assertThat(embedded.authorize(call("embedded", 0)).headers().remaining()).isEqualTo("2167");
    }

    @Test
    void authorize_overLimitInProcessAndOverHttp_sameDenial() {
        embedded.authorize(call("embedded", 4000));
        remote.authorize(call("remote", 4000));

        Decision a = embedded.authorize(call("embedded", 2000));
        Decision b = remote.authorize(call("remote", 2000));

        assertThat(a.allowed()).isFalse();
        assertThat(a.code()).isEqualTo("quota_exceeded");
        assertThat(a.limit().name()).isEqualTo("openai-tokens-day");
        assertThat(a).isEqualTo(b);
        assertThat(a.headers().retryAfter()).isEqualTo(Long.toString(a.retryAfterSeconds()));
    }

    @Test
    void authorize_unknownCustomer_throws404LikeTheServer() {
        assertThatThrownBy(() -> embedded.authorize(Call.of("nobody")))
                .isInstanceOfSatisfying(TallyException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("'nobody'");
                });
    }

    @Test
    void authorize_invalidEstimate_throws400NamingEveryField() {
        assertThatThrownBy(() -> embedded.authorize(Call.of("embedded").withEstimate("input_tokens", 1.5)
                .withEstimate("Bad-Name", 1).withEstimate("requests", 2)))
                .isInstanceOfSatisfying(TallyException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.errors()).extracting(FieldError::field)
                            .containsExactly("estimate.input_tokens", "estimate.Bad-Name", "estimate.requests");
                    assertThat(e.errors().get(0).message())
                            .isEqualTo("estimate.input_tokens: must be a whole number, was 1.5");
                });
    }

    @Test
    void authorize_metricNoLimitCounts_throws400FromTheEnforcer() {
        assertThatThrownBy(() -> embedded.authorize(Call.of("embedded").withEstimate("widgets", 3)))
                .isInstanceOfSatisfying(TallyException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.errors()).extracting(FieldError::field).containsExactly("estimate.widgets");
                });
    }
}
