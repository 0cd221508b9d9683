package dev.tally.example;

import dev.tally.client.TallyClient;
import dev.tally.client.Usage;
import dev.tally.client.testing.Eventually;
import dev.tally.client.testing.RealTally;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChatAppTest {
    @TempDir
    Path dir;

    @Test
    void chat_limitOfTwoRequests_200Twice_then429_andTokensRecorded() throws Exception {
        try (RealTally tally = RealTally.start(dir);
             ChatApp app = ChatApp.start(0, tally.url(), RealTally.ADMIN_KEY, Map.of("key-acme", "acme"))) {
            tally.customer("acme", "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":2}");
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest chat = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/api/chat"))
                    .header("X-Api-Key", "key-acme").POST(HttpRequest.BodyPublishers.ofString("Hello there!"))
                    .build();

            HttpResponse<String> first = http.send(chat, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> second = http.send(chat, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> third = http.send(chat, HttpResponse.BodyHandlers.ofString());

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("{\"reply\": \"You said 12 characters.\"}");
            assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(third.headers().firstValue("Retry-After")).isPresent();
            assertThat(third.body()).contains("\"code\":\"quota_exceeded\"");

            TallyClient client = tally.client();
            Usage usage = Eventually.await("two chats recorded", Duration.ofSeconds(15), () -> client.usage("acme"),
                    u -> u.totals().requests() == 2);
            // "Hello there!" is 12 characters: 4 input tokens; the 23-character reply: 6 output tokens.
            assertThat(usage.totals().metric("input_tokens")).isEqualByComparingTo("8");
            assertThat(usage.totals().metric("output_tokens")).isEqualByComparingTo("12");
        }
    }
}
