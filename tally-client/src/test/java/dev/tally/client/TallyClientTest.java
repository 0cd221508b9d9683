package dev.tally.client;

import dev.tally.client.testing.RealTally;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TallyClientTest {
    @TempDir
    Path dir;
    private RealTally tally;
    private TallyClient client;

    @BeforeEach
    void start() {
        tally = RealTally.start(dir);
        client = tally.client();
        tally.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000},
                 {"provider":"openai","model":"gpt-4","metric":"output_tokens","unit_price":"0.06","per":1000}]""");
    }

    @AfterEach
    void stop() {
        tally.close();
    }

    private static Call gpt4(String customer) {
        return Call.of(customer).withProvider("openai").withModel("gpt-4").withEndpoint("/api/chat");
    }

    private static LimitState named(Decision d, String name) {
        return d.limits().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void authorize_withinLimits_allowedWithReservationStatesAndHeaders() {
        tally.customer("acme", """
                {"metric":"requests","window":"month","amount":10},
                {"metric":"cost","window":"month","amount":"1.00"}""");

        Decision first = client.authorize(gpt4("acme").withEstimate("input_tokens", 1000));
        // A decision shows each limit after its own reservation: the second sees both.
        Decision d = client.authorize(gpt4("acme").withEstimate("input_tokens", 1000));

        assertThat(first.allowed()).isTrue();
        assertThat(named(first, "requests-month").used()).isEqualByComparingTo("1");
        assertThat(d.allowed()).isTrue();
        assertThat(d.reservation()).isNotEqualTo(first.reservation());
        assertThat(d.reservation()).startsWith("rsv_");
        assertThat(d.code()).isNull();
        assertThat(d.limit()).isNull();
        LimitState requests = named(d, "requests-month");
        assertThat(requests.amount()).isEqualByComparingTo("10");
        assertThat(requests.used()).isEqualByComparingTo("2");
        assertThat(requests.reserved()).isEqualByComparingTo("2");
        assertThat(requests.remaining()).isEqualByComparingTo("8");
        assertThat(requests.status()).isEqualTo("ok");
        assertThat(requests.mode()).isEqualTo("hard");
        assertThat(requests.window()).isEqualTo("month");
        assertThat(requests.resetsAt()).isAfter(Instant.now());
        // 1,000 input tokens at $0.03 per 1,000: exactly three cents held per call.
        LimitState cost = named(d, "cost-month");
        assertThat(cost.amount()).isEqualTo(new BigDecimal("1.00"));
        assertThat(cost.used()).isEqualTo(new BigDecimal("0.06"));
        assertThat(cost.remaining()).isEqualTo(new BigDecimal("0.94"));
        // Requests are the tightest (80% left against 94%).
        assertThat(d.headers().limit()).isEqualTo("10");
        assertThat(d.headers().remaining()).isEqualTo("8");
        assertThat(d.headers().reset()).isEqualTo(requests.resetsAt().toString());
        assertThat(d.headers().policy()).contains("\"requests-month\";q=10;w=")
                .contains("\"cost-month\";q=1000000;w=").contains("qu=\"tally-usd-micros\"");
        assertThat(d.headers().rateLimit()).contains("\"requests-month\";r=8;t=");
        assertThat(d.headers().retryAfter()).isNull();
    }

    @Test
    void authorize_overLimit_deniedWithCodeRetryAfterMessageAndLimit() {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1}");
        assertThat(client.authorize(Call.of("acme")).allowed()).isTrue();

        Decision d = client.authorize(Call.of("acme"));

        assertThat(d.allowed()).isFalse();
        assertThat(d.reservation()).isNull();
        assertThat(d.code()).isEqualTo("quota_exceeded");
        assertThat(d.retryAfterSeconds()).isPositive();
        assertThat(d.message()).contains("monthly limit");
        assertThat(d.limit().name()).isEqualTo("requests-month");
        assertThat(d.limit().remaining()).isEqualByComparingTo("0");
        assertThat(d.headers().retryAfter()).isEqualTo(Long.toString(d.retryAfterSeconds()));
        assertThat(d.headers().limit()).isEqualTo("1");
        assertThat(d.headers().remaining()).isEqualTo("0");
    }

    @Test
    void check_roomForOne_reservesNothing() {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1}");

        Decision first = client.check(Call.of("acme"));
        Decision second = client.check(Call.of("acme"));

        assertThat(first.allowed()).isTrue();
        assertThat(first.reservation()).isNull();
        assertThat(second.allowed()).isTrue();
        assertThat(client.authorize(Call.of("acme")).allowed()).isTrue();
        assertThat(client.check(Call.of("acme")).allowed()).isFalse();
    }

    @Test
    void release_heldReservation_freesItsRoom_andSecondReleaseAnswersFalse() {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1}");
        Decision held = client.authorize(Call.of("acme"));
        assertThat(client.authorize(Call.of("acme")).allowed()).isFalse();

        assertThat(client.release(held.reservation())).isTrue();

        assertThat(client.check(Call.of("acme")).allowed()).isTrue();
        assertThat(client.release(held.reservation())).isFalse();
    }

    @Test
    void record_eventWithReservation_settlesItWithTheActualUsage() {
        tally.customer("acme", "{\"metric\":\"tokens\",\"window\":\"month\",\"amount\":10000}");
        Decision held = client.authorize(gpt4("acme").withEstimate("tokens", 6000));
        assertThat(client.check(gpt4("acme").withEstimate("tokens", 6000)).allowed()).isFalse();

        IngestResult result = client.record(Event.builder("acme").provider("openai").model("gpt-4")
                .endpoint("/api/chat").method("POST").status(200).latencyMs(120L)
                .usage("input_tokens", 1500).usage("output_tokens", 500).reservation(held.reservation()).build());

        assertThat(result).isEqualTo(new IngestResult(1, 0, List.of()));
        Decision after = client.check(gpt4("acme").withEstimate("tokens", 6000));
        assertThat(after.allowed()).isTrue();
        assertThat(after.limits().get(0).used()).isEqualByComparingTo("2000");
        assertThat(after.limits().get(0).reserved()).isEqualByComparingTo("0");
    }

    @Test
    void ingestKey_authorizesRecordsAndReleases_butCannotReadUsage() throws Exception {
        tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":10}");
        HttpResponse<String> issued = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(tally.url() + "/v1/keys"))
                .header("Authorization", "Bearer " + RealTally.ADMIN_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"scope\":\"ingest\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(issued.statusCode()).isEqualTo(201);
        String key = issued.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
        TallyClient ingest = TallyClient.builder().baseUrl(tally.url()).apiKey(key).build();

        Decision held = ingest.authorize(gpt4("acme"));
        IngestResult result = ingest.record(Event.builder("acme").provider("openai").model("gpt-4")
                .reservation(held.reservation()).build());

        assertThat(held.allowed()).isTrue();
        assertThat(result).isEqualTo(new IngestResult(1, 0, List.of()));
        assertThat(ingest.release(ingest.authorize(gpt4("acme")).reservation())).isTrue();
        assertThat(ingest.check(gpt4("acme")).allowed()).isTrue();
        assertThatThrownBy(() -> ingest.usage("acme")).isInstanceOfSatisfying(TallyException.class,
                e -> assertThat(e.status()).isEqualTo(403));
        assertThat(client.usage("acme").totals().requests()).isEqualTo(1);
    }

    @Test
    void record_duplicateAndInvalidEvents_reportedPerEvent() {
        tally.customer("acme", "");
        Event event = Event.builder("acme").id("evt_dup").usage("input_tokens", 10).build();
        Event invalid = Event.builder("acme").usage("input_tokens", -5).build();

        IngestResult result = client.record(List.of(event, event, invalid));

        assertThat(result.accepted()).isEqualTo(1);
        assertThat(result.duplicates()).isEqualTo(1);
        assertThat(result.rejected()).hasSize(1);
        IngestResult.Rejection rejection = result.rejected().get(0);
        assertThat(rejection.index()).isEqualTo(2);
        assertThat(rejection.id()).isEqualTo(invalid.id());
        assertThat(rejection.errors()).extracting(FieldError::field).containsExactly("usage.input_tokens");
        assertThat(rejection.errors().get(0).message()).contains("must be >= 0, was -5");
    }

    @Test
    void usage_pricedEvents_totalsAndLimitsExactToTheLastDigit() {
        tally.customer("acme", """
                {"metric":"requests","window":"month","amount":100},
                {"metric":"cost","window":"month","amount":"1.00"}""");
        for (int i = 0; i < 3; i++) {
            // 333 x $0.03/1k + 7 x $0.06/1k = $0.00999 + $0.00042 = $0.01041 each.
            client.record(Event.builder("acme").provider("openai").model("gpt-4").status(i == 2 ? 502 : 200)
                    .usage("input_tokens", 333).usage("output_tokens", 7).build());
        }

        Usage usage = client.usage("acme");

        assertThat(usage.customer()).isEqualTo("acme");
        assertThat(usage.period().start()).isBefore(Instant.now());
        assertThat(usage.period().end()).isAfter(Instant.now()).isEqualTo(usage.period().resetsAt());
        assertThat(usage.totals().requests()).isEqualTo(3);
        assertThat(usage.totals().errors()).isEqualTo(1);
        assertThat(usage.totals().tokens()).isEqualTo(1020);
        assertThat(usage.totals().metric("input_tokens")).isEqualByComparingTo("999");
        assertThat(usage.totals().metric("output_tokens")).isEqualByComparingTo("21");
        assertThat(usage.totals().cost()).isEqualTo(new BigDecimal("0.03123"));
        assertThat(usage.unpricedEvents()).isZero();
        LimitState cost = usage.limits().stream().filter(l -> l.metric().equals("cost")).findFirst().orElseThrow();
        assertThat(cost.used()).isEqualTo(new BigDecimal("0.03123"));
        assertThat(cost.remaining()).isEqualTo(new BigDecimal("0.96877"));
        assertThat(cost.percent()).isEqualTo(new BigDecimal("3.1"));
        assertThat(cost.status()).isEqualTo("ok");
        assertThat(cost.reserved()).isNull();
    }

    @Test
    void authorize_unknownCustomer_throws404WithTheServersDetail() {
        assertThatThrownBy(() -> client.authorize(Call.of("nobody")))
                .isInstanceOfSatisfying(TallyException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("nobody");
                    assertThat(e.isRetryable()).isFalse();
                });
    }

    @Test
    void authorize_invalidEstimate_throws400NamingTheField() {
        tally.customer("acme", "");
        assertThatThrownBy(() -> client.authorize(Call.of("acme").withEstimate("input_tokens", -5)))
                .isInstanceOfSatisfying(TallyException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.errors()).extracting(FieldError::field).containsExactly("estimate.input_tokens");
                });
    }

    @Test
    void anyCall_wrongKey_throws401() {
        TallyClient wrong = TallyClient.builder().baseUrl(tally.url()).apiKey("not-the-key").build();
        assertThatThrownBy(() -> wrong.usage("acme"))
                .isInstanceOfSatisfying(TallyException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void anyCall_nothingListening_throwsNoAnswerNamingTheServer() {
        String url = RealTally.unreachableUrl();
        TallyClient down = TallyClient.builder().baseUrl(url).apiKey("k").timeout(Duration.ofSeconds(2)).build();

        assertThatThrownBy(() -> down.authorize(Call.of("acme")))
                .isInstanceOfSatisfying(TallyException.class, e -> {
                    assertThat(e.status()).isEqualTo(TallyException.NO_ANSWER);
                    assertThat(e.isRetryable()).isTrue();
                    assertThat(e.getMessage()).startsWith("cannot reach Tally at " + url + "/")
                            .contains("POST /v1/authorize");
                    assertThat(e.getCause()).isNotNull();
                });
    }

    @Test
    void baseUrl_withPathPrefix_keptInRequests() {
        TallyClient prefixed = TallyClient.builder().baseUrl(tally.url() + "/behind/a/proxy")
                .apiKey(RealTally.ADMIN_KEY).build();
        // The server has no such prefix: a 404 for /behind/a/proxy/v1/... proves the prefix was sent.
        assertThatThrownBy(() -> prefixed.usage("acme"))
                .isInstanceOfSatisfying(TallyException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(prefixed.baseUrl().toString()).isEqualTo(tally.url() + "/behind/a/proxy/");
    }

    @Test
    void builder_missingOrImpossibleSettings_failFastNamingThem() {
        assertThatThrownBy(() -> TallyClient.builder().apiKey("k").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("baseUrl was not set");
        assertThatThrownBy(() -> TallyClient.builder().baseUrl("http://localhost:8080").build())
                .isInstanceOf(IllegalStateException.class).hasMessage("apiKey was not set");
        assertThatThrownBy(() -> TallyClient.builder().baseUrl("localhost:8080"))
                .hasMessageContaining("must be an http or https URL with a host, was localhost:8080");
        assertThatThrownBy(() -> TallyClient.builder().timeout(Duration.ZERO))
                .hasMessage("timeout must be positive, was PT0S");
    }

    @Test
    void estimate_doubleQuantity_rejectedWhenNotFinite() {
        assertThatThrownBy(() -> Call.of("acme").withEstimate("seconds", Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("seconds: must be a finite number, was NaN");
    }
}
