package dev.tally.archfixture.cycle.down;

import dev.tally.archfixture.cycle.up.Up;

/** The arrow back up that closes the deliberate cycle. */
public class Down {
    Up up;
}
