package dev.tally.core.notify;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSignatureTest {
    /** The example of the Standard Webhooks reference libraries (standard-webhooks/standard-webhooks). */
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @Test
    void sign_referenceExample_matchesTheSpecificationsSignature() {
        String signature = WebhookSignature.sign(SPEC_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}");

        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void sign_anyChangedInput_changesTheSignature() {
        String base = WebhookSignature.sign(SPEC_SECRET, "msg_1", 100, "{}");

        assertThat(WebhookSignature.sign(SPEC_SECRET, "msg_2", 100, "{}")).isNotEqualTo(base);
        assertThat(WebhookSignature.sign(SPEC_SECRET, "msg_1", 101, "{}")).isNotEqualTo(base);
        assertThat(WebhookSignature.sign(SPEC_SECRET, "msg_1", 100, "{ }")).isNotEqualTo(base);
    }

    @Test
    void newSecret_isValidAndDifferentEachTime() {
        String a = WebhookSignature.newSecret();

        assertThat(WebhookSignature.isValidSecret(a)).isTrue();
        assertThat(a).startsWith("whsec_").isNotEqualTo(WebhookSignature.newSecret());
    }

    @Test
    void isValidSecret_wrongPrefixShortKeyOrBadBase64_isFalse() {
        assertThat(WebhookSignature.isValidSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).isFalse();
        assertThat(WebhookSignature.isValidSecret("whsec_c2hvcnQ=")).isFalse();
        assertThat(WebhookSignature.isValidSecret("whsec_!!!not base64!!!")).isFalse();
        assertThat(WebhookSignature.isValidSecret(null)).isFalse();
        assertThatThrownBy(() -> WebhookSignature.sign("secret", "m", 1, "{}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whsec_");
    }
}
