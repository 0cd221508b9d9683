package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A plain JSON answer's meter: the bytes are kept in a bounded copy as they pass and read once at the end, so an
 * answer too large to keep costs no more than the bound. What the answer says is the provider's business
 * ({@code read}); an answer that cannot be read (too large, empty, not JSON) is estimated ({@code unreadable}).
 */
final class JsonAnswerMeter implements Meter {
    private final ObjectMapper json;
    private final BoundedCopy copy;
    private final Function<JsonNode, Usage> read;
    private final Supplier<Usage> unreadable;

    JsonAnswerMeter(ObjectMapper json, int copyLimit, Function<JsonNode, Usage> read, Supplier<Usage> unreadable) {
        this.json = json;
        this.copy = new BoundedCopy(copyLimit);
        this.read = read;
        this.unreadable = unreadable;
    }

    @Override
    public boolean eventStream() {
        return false;
    }

    @Override
    public void onBytes(byte[] bytes, int offset, int length) {
        copy.add(bytes, offset, length);
    }

    @Override
    public Usage finish(boolean complete) {
        if (copy.overflowed() || copy.length() == 0) {
            return unreadable.get();
        }
        JsonNode answer;
        try {
            answer = json.readTree(copy.bytes(), 0, copy.length());
        } catch (IOException e) {
            return unreadable.get();
        }
        return read.apply(answer);
    }
}
