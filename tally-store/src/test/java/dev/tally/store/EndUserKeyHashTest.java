package dev.tally.store;

import dev.tally.core.rollup.KeyHash;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The end user tables' row keys hash realistic ids apart (the roller's and the writer's maps stay flat). */
class EndUserKeyHashTest {
    @Test
    void customerAndUserIdsThatDifferInTheirLastCharacters_hashApart() {
        long march = 1_772_323_200_000L;
        long april = march + 31L * 86_400_000L;
        Set<Integer> hashes = new HashSet<>();
        int keys = 0;
        for (long month : new long[]{march, april}) {
            for (int c = 0; c < 100; c++) {
                for (int u = 0; u < 500; u++) {
                    String customer = String.format("cust-%03d", c);
                    hashes.add(KeyHash.mix(KeyHash.mix(customer.hashCode(), Long.hashCode(month)),
                            ("user_" + u).hashCode()));
                    keys++;
                }
            }
        }
        // Combined by 31, these 100,000 keys had 46,000 distinct hashes.
        assertEquals(keys, hashes.size());
    }
}
