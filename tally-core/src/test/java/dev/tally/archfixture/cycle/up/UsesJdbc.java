package dev.tally.archfixture.cycle.up;

import java.sql.Connection;

/** A class that reaches for JDBC, which the core's framework rule must report. */
public class UsesJdbc {
    Connection connection;
}
