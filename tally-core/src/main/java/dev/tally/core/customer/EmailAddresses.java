package dev.tally.core.customer;

import java.util.regex.Pattern;

/**
 * The rule for e-mail addresses Tally sends to: a plain {@code local@domain.tld} of at most 254 characters, without
 * display names or spaces. Deliberately loose (the mail server is the judge of deliverability); it only catches what
 * is plainly not an address.
 */
public final class EmailAddresses {
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>,;\"]+@[^@\\s<>,;\"]+\\.[^@\\s<>,;\".]+");
    /** The rule in words, for error messages. */
    public static final String RULE = "must be an e-mail address such as ops@example.com";

    private EmailAddresses() {
    }

    public static boolean isValid(String address) {
        return address != null && address.length() <= 254 && ADDRESS.matcher(address).matches();
    }
}
