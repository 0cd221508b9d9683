package dev.tally.core.event;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BucketsCacheTest {
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Asia/Kolkata"), ZoneId.of("Asia/Kathmandu"),
            ZoneId.of("America/St_Johns"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Pacific/Chatham"));

    @Test
    void of_walkingThroughAYearInEveryKindOfZone_answersExactlyWhatBucketsOfDoes() {
        Random random = new Random(7);
        BucketsCache cache = new BucketsCache();
        for (ZoneId zone : ZONES) {
            for (int billingDay : new int[]{1, 15, 29, 30, 31}) {
                Instant t = Instant.parse("2026-01-01T00:00:00Z");
                while (t.isBefore(Instant.parse("2027-01-01T00:00:00Z"))) {
                    assertThat(cache.of("c", zone, billingDay, t)).as("%s day %d at %s", zone, billingDay, t)
                            .isEqualTo(Buckets.of(zone, billingDay, t));
                    // Mostly small steps (many events in one hour), sometimes hours, sometimes back in time.
                    long step = switch (random.nextInt(4)) {
                        case 0 -> random.nextLong(1, 7_200_000);
                        case 1 -> -random.nextLong(0, 600_000);
                        default -> random.nextLong(1, 120_000);
                    };
                    t = t.plusMillis(step + 900_000);
                }
            }
        }
    }

    @Test
    void of_customerChangesZoneOrBillingDay_usesTheNewOnesAtOnce() {
        BucketsCache cache = new BucketsCache();
        Instant t = Instant.parse("2026-11-30T23:30:00Z");
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        cache.of("c", ZoneId.of("UTC"), 1, t);

        assertThat(cache.of("c", berlin, 1, t)).isEqualTo(Buckets.of(berlin, 1, t));
        assertThat(cache.of("c", berlin, 15, t)).isEqualTo(Buckets.of(berlin, 15, t));
    }
}
