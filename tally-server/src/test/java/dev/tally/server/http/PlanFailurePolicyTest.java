package dev.tally.server.http;

import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A plan's {@code failure_policy}: validated, stored, answered, and handed to the enforcer. */
class PlanFailurePolicyTest {
    private static final String LIMITS = "\"limits\":[{\"metric\":\"requests\",\"window\":\"day\",\"amount\":10}]";

    @TempDir
    Path dir;
    private TestServer server;

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void failurePolicy_roundTripsThroughTheStore_andAbsentIsNull(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        Api admin = server.admin();

        Api.Response put = admin.put("/v1/plans/strict", "{" + LIMITS + ",\"failure_policy\":\"fail_closed\"}");
        admin.put("/v1/plans/lenient", "{" + LIMITS + "}");

        assertThat(put.status()).isEqualTo(201);
        assertThat(put.json().get("failure_policy").asText()).isEqualTo("fail_closed");
        assertThat(admin.get("/v1/plans/strict").json().get("failure_policy").asText()).isEqualTo("fail_closed");
        assertThat(admin.get("/v1/plans/lenient").json().get("failure_policy").isNull()).isTrue();
        assertThat(server.server().store().plan("strict").orElseThrow().failurePolicy())
                .isEqualTo(FailurePolicy.FAIL_CLOSED);
        assertThat(server.server().catalog().plan("strict").orElseThrow().failurePolicy())
                .isEqualTo(FailurePolicy.FAIL_CLOSED);

        admin.put("/v1/plans/strict", "{" + LIMITS + ",\"failure_policy\":null}");
        assertThat(admin.get("/v1/plans/strict").json().get("failure_policy").isNull()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void failurePolicy_unknownValue_is400NamingTheFieldAndNothingIsStored(Backend backend) {
        server = TestServer.start(backend, dir, MutableClock.at("2026-11-20T12:00:00Z"));
        Api admin = server.admin();

        Api.Response r = admin.put("/v1/plans/strict", "{" + LIMITS + ",\"failure_policy\":\"fail_sometimes\"}");
        Api.Response wrongType = admin.put("/v1/plans/strict", "{" + LIMITS + ",\"failure_policy\":true}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("failure_policy");
        assertThat(r.json().at("/errors/0/message").asText())
                .isEqualTo("failure_policy: must be fail_open or fail_closed (or absent for the server's default), "
                        + "was \"fail_sometimes\"");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.json().at("/errors/0/field").asText()).isEqualTo("failure_policy");
        assertThat(admin.get("/v1/plans/strict").status()).isEqualTo(404);
    }
}
