package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.tally.core.pricing.LitellmModel;
import dev.tally.core.problem.ValidationException;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads LiteLLM's {@code model_prices_and_context_window.json}: an object of entries by model key.
 *
 * <p>Why a streaming reader: the file writes prices as JSON numbers such as {@code 2.5e-06}, and a tree reader would
 * turn them into doubles. Here each number is taken from its text ({@link JsonParser#getText()}) into a
 * {@link BigDecimal}, so the price is exactly the digits in the file. Fields that are not numbers with {@code cost}
 * in their name, nested objects and non-object entries (such as a {@code sample_spec} of strings) are passed over.
 */
public final class LitellmJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private LitellmJson() {
    }

    /** The entries of the file, in file order; a 400 problem naming {@code body} if it is not such a file. */
    public static List<LitellmModel> parse(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ValidationException.of("body", "must be a LiteLLM price file: a JSON object of models by key");
            }
            List<LitellmModel> models = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (p.nextToken() == JsonToken.START_OBJECT) {
                    models.add(entry(key, p));
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw ValidationException.of("body", "must be exactly one JSON object, found more after it");
            }
            return models;
        } catch (JsonProcessingException e) {
            throw ValidationException.of("body", "must be valid JSON, is not at " + JsonErrors.describe(e));
        } catch (NumberFormatException e) {
            throw ValidationException.of("body", "holds a number that is not a decimal: " + e.getMessage());
        } catch (IOException e) {
            throw ValidationException.of("body", "could not be read: " + e.getMessage());
        }
    }

    private static LitellmModel entry(String key, JsonParser p) throws IOException {
        String provider = null;
        String mode = null;
        Map<String, BigDecimal> costs = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.VALUE_NUMBER_FLOAT || value == JsonToken.VALUE_NUMBER_INT) {
                if (field.contains("cost")) {
                    costs.put(field, new BigDecimal(p.getText()));
                }
            } else if (value == JsonToken.VALUE_STRING && field.equals("litellm_provider")) {
                provider = p.getText();
            } else if (value == JsonToken.VALUE_STRING && field.equals("mode")) {
                mode = p.getText();
            } else {
                p.skipChildren();
            }
        }
        return new LitellmModel(key, provider, mode, costs);
    }
}
