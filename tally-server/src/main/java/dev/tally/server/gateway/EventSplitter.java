package dev.tally.server.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Cuts an event stream into whole server-sent events as its bytes arrive, shows each to the meter, and writes the
 * ones the caller gets. It holds at most the event being received (a few hundred bytes), never the stream: an event
 * is written the moment its blank line arrives. Lines may end in LF or CRLF.
 */
final class EventSplitter {
    private byte[] event = new byte[1024];
    private int length;
    /** Characters of the current line so far, not counting CR. */
    private int lineLength;

    /** Takes {@code n} bytes of the stream; writes every event they complete that the meter lets through. */
    void feed(byte[] bytes, int n, Meter meter, OutputStream out) throws IOException {
        for (int i = 0; i < n; i++) {
            byte b = bytes[i];
            if (length == event.length) {
                event = Arrays.copyOf(event, event.length * 2);
            }
            event[length++] = b;
            if (b == '\n') {
                if (lineLength == 0) {
                    emit(meter, out);
                }
                lineLength = 0;
            } else if (b != '\r') {
                lineLength++;
            }
        }
    }

    /**
     * Passes on what is left when the stream ends without a final blank line.
     *
     * @return false if the caller went away
     */
    boolean flushRest(Meter meter, OutputStream out) {
        if (length == 0) {
            return true;
        }
        try {
            emit(meter, out);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void emit(Meter meter, OutputStream out) throws IOException {
        int n = length;
        length = 0;
        if (meter.onEvent(event, n)) {
            out.write(event, 0, n);
        }
    }
}
