package dev.tally.archfixture.cycle.up;

import dev.tally.archfixture.cycle.down.Down;

/** A deliberate package cycle (up -> down -> up) that the architecture rules must report. */
public class Up {
    Down down;
}
