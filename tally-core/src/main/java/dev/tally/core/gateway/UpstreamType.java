package dev.tally.core.gateway;

import java.util.Locale;

/** What kind of API an upstream is, which says how its usage is read and how its callers send their key. */
public enum UpstreamType {
    /** OpenAI and any OpenAI-compatible API (vLLM, Ollama, llama.cpp): tokens from {@code usage}. */
    OPENAI,
    /** Anthropic's Messages API: tokens from {@code message_start} and the last {@code message_delta}. */
    ANTHROPIC,
    /** ElevenLabs text to speech: characters. */
    ELEVENLABS,
    /** Any other HTTP API: requests, status and latency only. */
    HTTP;

    /** The name used in JSON and {@code tally.yaml}, e.g. {@code openai}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type of a wire name, or null if there is none such. */
    public static UpstreamType fromWireName(String name) {
        for (UpstreamType t : values()) {
            if (t.wireName().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
