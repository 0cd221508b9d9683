package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.FakeUpstream;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway in front of ElevenLabs text to speech, called over plain HTTP as ElevenLabs' API reference shows
 * ({@code xi-api-key}, {@code POST /v1/text-to-speech/{voice_id}} and {@code .../stream}): characters from the
 * {@code character-cost} header when the answer has it, else the text's length; the audio passes through whole.
 */
class GatewayElevenLabsTest {
    private static final String VOICE = "JBFqnCBsd6RMkjVDRZzb";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private FakeUpstream upstream;
    private String key;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        upstream = new FakeUpstream();
        assertThat(api.put("/v1/prices", """
                [{"provider":"elevenlabs","model":"eleven_multilingual_v2","metric":"characters",
                  "unit_price":"0.30","per":1000}]""").status()).isEqualTo(200);
        assertThat(api.put("/v1/customers/acme", "{}").status()).isIn(200, 201);
        key = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        assertThat(api.put("/v1/upstreams/elevenlabs", "{\"type\":\"elevenlabs\",\"base_url\":\""
                + upstream.baseUrl() + "\",\"api_key\":\"xi-upstream-secret\"}").status()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        server.close();
        upstream.close();
    }

    private HttpResponse<byte[]> speak(String path, String text) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/gateway/elevenlabs/v1/text-to-speech/" + VOICE + path + "?output_format=mp3_44100_128"))
                .header("xi-api-key", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"" + text
                        + "\",\"model_id\":\"eleven_multilingual_v2\"}"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode onlyEvent() {
        Await.within(Duration.ofSeconds(5), "the call's event",
                () -> api.get("/v1/customers/acme/events").json().get("events").size() == 1);
        return api.get("/v1/customers/acme/events").json().get("events").get(0);
    }

    private static byte[] audio(int bytes) {
        byte[] b = new byte[bytes];
        Arrays.fill(b, (byte) 0x5a);
        b[0] = (byte) 0xff;
        return b;
    }

    @Test
    void plain_characterCostHeader_isTheUsage() throws Exception {
        byte[] mp3 = audio(20_000);
        upstream.answer((e, req) -> {
            e.getResponseHeaders().set("Content-Type", "audio/mpeg");
            e.getResponseHeaders().set("character-cost", "12");
            e.getResponseHeaders().set("request-id", "el-req-1");
            e.sendResponseHeaders(200, mp3.length);
            try (OutputStream out = e.getResponseBody()) {
                out.write(mp3);
            }
        });
        HttpResponse<byte[]> r = speak("", "Hello world");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(mp3);
        assertThat(r.headers().firstValue("character-cost")).hasValue("12");
        FakeUpstream.Seen seen = upstream.seen().get(0);
        assertThat(seen.header("xi-api-key")).isEqualTo("xi-upstream-secret");
        assertThat(seen.query()).isEqualTo("output_format=mp3_44100_128");
        JsonNode event = onlyEvent();
        assertThat(event.get("usage").toString()).isEqualTo("{\"characters\":12}");
        assertThat(event.get("cost").asText()).isEqualTo("0.0036");
        assertThat(event.get("model").asText()).isEqualTo("eleven_multilingual_v2");
        assertThat(event.get("endpoint").asText()).isEqualTo("/v1/text-to-speech/" + VOICE);
    }

    @Test
    void streamed_withoutCharacterCost_countsTheTextInCodePoints() throws Exception {
        upstream.answer((e, req) -> {
            e.getResponseHeaders().set("Content-Type", "audio/mpeg");
            e.sendResponseHeaders(200, 0);
            try (OutputStream out = e.getResponseBody()) {
                for (int i = 0; i < 5; i++) {
                    out.write(audio(4096));
                    out.flush();
                }
            }
        });
        HttpResponse<byte[]> r = speak("/stream", "Gr\u00fc\u00dfe \ud83d\udc4b");
        assertThat(r.body()).hasSize(5 * 4096);
        JsonNode event = onlyEvent();
        assertThat(event.get("usage").toString()).isEqualTo("{\"characters\":7}");
        assertThat(event.get("cost").asText()).isEqualTo("0.0021");
        assertThat(event.get("endpoint").asText()).isEqualTo("/v1/text-to-speech/" + VOICE + "/stream");
    }
}
