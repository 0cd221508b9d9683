package dev.tally.core.customer;

import java.util.regex.Pattern;

/** The rule for ids of customers and plans: 1 to 128 of {@code A-Z a-z 0-9 . _ : @ -}, starting alphanumeric. */
public final class Ids {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    /** The rule in words, for error messages. */
    public static final String RULE = "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit";

    private Ids() {
    }

    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
