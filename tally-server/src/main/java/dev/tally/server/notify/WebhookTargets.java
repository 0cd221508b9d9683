package dev.tally.server.notify;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which addresses a webhook may be posted to. Anyone who can create a channel could otherwise make the server POST
 * to itself, to the cloud metadata service or to the private network (server-side request forgery), so by default a
 * webhook may only reach public unicast addresses; internal ones are refused:
 *
 * <table>
 *   <caption>Refused by default</caption>
 *   <tr><th>kind</th><th>IPv4</th><th>IPv6</th></tr>
 *   <tr><td>unspecified, "this network"</td><td>0.0.0.0/8</td><td>::/128</td></tr>
 *   <tr><td>loopback</td><td>127.0.0.0/8</td><td>::1</td></tr>
 *   <tr><td>private</td><td>10/8, 172.16/12, 192.168/16 (RFC 1918)</td><td>fc00::/7 (unique local, RFC 4193)</td></tr>
 *   <tr><td>cloud metadata</td><td>169.254.169.254</td><td>fd00:ec2::254</td></tr>
 *   <tr><td>link-local</td><td>169.254.0.0/16</td><td>fe80::/10</td></tr>
 *   <tr><td>shared address space (carrier-grade NAT)</td><td>100.64.0.0/10</td><td></td></tr>
 *   <tr><td>IETF protocol assignments, benchmarking</td><td>192.0.0.0/24, 198.18.0.0/15</td><td></td></tr>
 *   <tr><td>multicast, reserved, broadcast</td><td>224.0.0.0/3</td><td>ff00::/8, fec0::/10 (site-local)</td></tr>
 * </table>
 *
 * <p>IPv6 addresses that carry an IPv4 address (IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96},
 * NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) are judged by the IPv4 address inside.
 *
 * <p>The rules apply twice. When a channel is written, a URL whose host is an address literal is checked in every
 * spelling resolvers accept ({@code 2130706433}, {@code 0x7f.1}, {@code 017700000001}, {@code 127.1},
 * {@code [::ffff:127.0.0.1]}), so the mistake is a 400 at once. At each delivery the host is resolved and every
 * address it resolves to is checked, since a name can point anywhere (and be changed to); the HTTP client then
 * resolves the same name from the JVM's address cache, which keeps an answer 30 s by default.
 *
 * <p>Operators who need an internal receiver allow it explicitly ({@code server.webhook_allow_internal} in
 * {@code tally.yaml}, {@code TALLY_WEBHOOK_ALLOW_INTERNAL}): a list of CIDR blocks ({@code 10.1.0.0/16},
 * {@code fd12:3456::/48}), single addresses ({@code 127.0.0.1}) or host names ({@code hooks.internal}, which then may
 * resolve to any address).
 */
public final class WebhookTargets {
    /** The environment variable holding the allow-list, comma-separated. */
    public static final String ALLOW_VARIABLE = "TALLY_WEBHOOK_ALLOW_INTERNAL";
    /** No internal address allowed: the default. */
    public static final WebhookTargets PUBLIC_ONLY = new WebhookTargets(List.of(), Set.of(), List.of());

    private static final Pattern HOST_NAME = Pattern.compile(
            "(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");
    /** The parts of an IPv4 address as inet_aton reads them: decimal, octal (leading 0) or hexadecimal (0x). */
    private static final Pattern INET_ATON_PART = Pattern.compile("(?i)0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*");
    private static final byte[] METADATA_V4 = {(byte) 169, (byte) 254, (byte) 169, (byte) 254};
    private static final byte[] METADATA_V6 = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
            0x54};

    private final List<Block> blocks;
    private final Set<String> hosts;
    private final List<String> entries;

    private WebhookTargets(List<Block> blocks, Set<String> hosts, List<String> entries) {
        this.blocks = blocks;
        this.hosts = hosts;
        this.entries = entries;
    }

    /**
     * The targets allowed by a comma-separated list of CIDR blocks, addresses and host names; blank for none.
     *
     * @throws IllegalArgumentException naming the first entry that is none of these
     */
    public static WebhookTargets parse(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return PUBLIC_ONLY;
        }
        return allowing(Arrays.asList(commaSeparated.split(",")));
    }

    /**
     * The targets allowed by a list of CIDR blocks, addresses and host names.
     *
     * @throws IllegalArgumentException naming the first entry that is none of these
     */
    public static WebhookTargets allowing(List<String> allowInternal) {
        List<Block> blocks = new ArrayList<>();
        Set<String> hosts = new LinkedHashSet<>();
        List<String> entries = new ArrayList<>();
        for (String raw : allowInternal) {
            String entry = raw == null ? "" : raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            Block block = Block.parse(entry);
            if (block != null) {
                blocks.add(block);
            } else if (HOST_NAME.matcher(entry).matches() && literal(entry) == null) {
                hosts.add(normalHost(entry));
            } else {
                throw new IllegalArgumentException("must be CIDR blocks (10.0.0.0/8, fd00::/8), addresses or host "
                        + "names, separated by commas; \"" + entry + "\" is none of these");
            }
            entries.add(entry);
        }
        return entries.isEmpty() ? PUBLIC_ONLY : new WebhookTargets(List.copyOf(blocks), Set.copyOf(hosts),
                List.copyOf(entries));
    }

    /** The allow-list as given, for logs and tests. */
    public List<String> allowed() {
        return entries;
    }

    /**
     * Why a channel URL may not be written, or null if it may: its host is an address literal, in any spelling,
     * that is internal and not allowed. Host names are not resolved here; deliveries check what they resolve to.
     */
    public String refusalOfLiteral(URI url) {
        String host = hostText(url);
        if (host == null) {
            return null;
        }
        InetAddress address = literal(host);
        if (address == null) {
            return null;
        }
        return refusal(host, List.of(address));
    }

    /**
     * Why a delivery to {@code url} must not be made, or null if it may: some address its host resolves to is
     * internal and not allowed.
     *
     * @throws UnknownHostException when the host does not resolve (a failure worth retrying: DNS may come back)
     */
    public String refusalAtDelivery(URI url) throws UnknownHostException {
        String host = hostText(url);
        if (host == null) {
            return "the URL " + url + " names no host";
        }
        if (hosts.contains(normalHost(host))) {
            return null; // an allowed name may resolve to anything; the HTTP client resolves it itself
        }
        InetAddress literal = literal(host);
        List<InetAddress> addresses = literal != null ? List.of(literal)
                : Arrays.asList(InetAddress.getAllByName(bare(host)));
        return refusal(host, addresses);
    }

    /** Why {@code addresses}, which {@code host} stands for, must not be reached, or null if they may. */
    String refusal(String host, List<InetAddress> addresses) {
        if (hosts.contains(normalHost(host))) {
            return null;
        }
        for (InetAddress address : addresses) {
            String kind = internalKind(address);
            if (kind != null && !allowedAddress(address)) {
                String shown = address.getHostAddress();
                String named = shown.equalsIgnoreCase(bare(host)) ? shown : host + " (" + shown + ")";
                return named + " is " + kind + "; webhooks may not reach internal addresses unless "
                        + "server.webhook_allow_internal (" + ALLOW_VARIABLE + ") allows them";
            }
        }
        return null;
    }

    private boolean allowedAddress(InetAddress address) {
        byte[] embedded = embeddedV4(address.getAddress());
        for (Block block : blocks) {
            if (block.contains(address.getAddress()) || embedded != null && block.contains(embedded)) {
                return true;
            }
        }
        return false;
    }

    /** What kind of internal address this is ("a loopback address"), or null for a public unicast one. */
    static String internalKind(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16) {
            byte[] v4 = embeddedV4(a);
            if (v4 != null) {
                String kind = v4Kind(v4);
                return kind == null ? null : kind + " inside an IPv6 address";
            }
            return v6Kind(a);
        }
        return v4Kind(a);
    }

    private static String v4Kind(byte[] a) {
        int b0 = a[0] & 0xFF;
        int b1 = a[1] & 0xFF;
        if (Arrays.equals(a, METADATA_V4)) {
            return "the cloud metadata address";
        }
        if (b0 == 0) {
            return "an unspecified address (0.0.0.0/8)";
        }
        if (b0 == 127) {
            return "a loopback address";
        }
        if (b0 == 10 || b0 == 172 && b1 >= 16 && b1 < 32 || b0 == 192 && b1 == 168) {
            return "a private address (RFC 1918)";
        }
        if (b0 == 169 && b1 == 254) {
            return "a link-local address";
        }
        if (b0 == 100 && b1 >= 64 && b1 < 128) {
            return "a shared (carrier-grade NAT) address";
        }
        if (b0 == 192 && b1 == 0 && a[2] == 0 || b0 == 198 && (b1 == 18 || b1 == 19)) {
            return "a special-purpose address";
        }
        if (b0 >= 224) {
            return "a multicast, reserved or broadcast address";
        }
        return null;
    }

    private static String v6Kind(byte[] a) {
        if (Arrays.equals(a, METADATA_V6)) {
            return "the cloud metadata address";
        }
        int b0 = a[0] & 0xFF;
        int b1 = a[1] & 0xFF;
        boolean zeroUpTo15 = true;
        for (int i = 0; i < 15; i++) {
            zeroUpTo15 &= a[i] == 0;
        }
        if (zeroUpTo15 && a[15] == 0) {
            return "the unspecified address";
        }
        if (zeroUpTo15 && a[15] == 1) {
            return "a loopback address";
        }
        if ((b0 & 0xFE) == 0xFC) {
            return "a unique local (private) address";
        }
        if (b0 == 0xFE && (b1 & 0xC0) == 0x80) {
            return "a link-local address";
        }
        if (b0 == 0xFE && (b1 & 0xC0) == 0xC0) {
            return "a site-local address";
        }
        if (b0 == 0xFF) {
            return "a multicast address";
        }
        return null;
    }

    /** The IPv4 address inside an IPv6 one (mapped, compatible, NAT64, 6to4), or null. */
    private static byte[] embeddedV4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        boolean zero0to9 = true;
        for (int i = 0; i < 10; i++) {
            zero0to9 &= a[i] == 0;
        }
        boolean mapped = zero0to9 && a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
        boolean compatible = zero0to9 && a[10] == 0 && a[11] == 0 && !(a[12] == 0 && a[13] == 0 && a[14] == 0);
        boolean nat64 = a[0] == 0 && a[1] == 0x64 && a[2] == (byte) 0xFF && a[3] == (byte) 0x9B
                && Arrays.equals(Arrays.copyOfRange(a, 4, 12), new byte[8]);
        if (mapped || compatible || nat64) {
            return Arrays.copyOfRange(a, 12, 16);
        }
        if (a[0] == 0x20 && a[1] == 0x02) {
            return Arrays.copyOfRange(a, 2, 6);
        }
        return null;
    }

    /**
     * The address a host text stands for when it is a literal: {@code [v6]}, or IPv4 in any form inet_aton accepts
     * (one to four parts, each decimal, octal or hexadecimal, the last filling the remaining bytes). Null for a name.
     */
    static InetAddress literal(String host) {
        String h = bare(host);
        try {
            if (h.indexOf(':') >= 0) {
                return h.indexOf('%') >= 0 ? InetAddress.getByName(h.substring(0, h.indexOf('%')))
                        : InetAddress.getByName(h); // an IPv6 literal: parsed, never looked up
            }
            byte[] v4 = inetAton(h.endsWith(".") ? h.substring(0, h.length() - 1) : h);
            return v4 == null ? null : InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] inetAton(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length > 4) {
            return null;
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!INET_ATON_PART.matcher(parts[i]).matches() || parts[i].length() > 32) {
                return null;
            }
            String p = parts[i].toLowerCase(Locale.ROOT);
            try {
                values[i] = p.startsWith("0x") ? Long.parseLong(p.substring(2), 16)
                        : p.length() > 1 && p.startsWith("0") ? Long.parseLong(p.substring(1), 8)
                        : Long.parseLong(p);
            } catch (NumberFormatException e) {
                return null; // too large for any part
            }
        }
        long address = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 0xFF) {
                return null;
            }
            address |= values[i] << (24 - 8 * i);
        }
        long last = values[values.length - 1];
        if (last >= 1L << (8 * (5 - values.length))) {
            return null;
        }
        address |= last;
        return new byte[]{(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
    }

    /** The host of a URL as written, also when {@link URI#getHost()} gives up on it (as it does for {@code 127.1}). */
    private static String hostText(URI url) {
        if (url.getHost() != null) {
            return url.getHost();
        }
        String authority = url.getRawAuthority();
        if (authority == null) {
            return null;
        }
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String normalHost(String host) {
        String h = bare(host).toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    @Override
    public String toString() {
        return entries.isEmpty() ? "public addresses only" : "public addresses and " + String.join(", ", entries);
    }

    /** An allowed CIDR block (a single address is a block of its full length). */
    private record Block(byte[] network, int prefixBits) {
        static Block parse(String entry) {
            int slash = entry.indexOf('/');
            String addressText = slash < 0 ? entry : entry.substring(0, slash);
            if (addressText.indexOf(':') < 0 && !addressText.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                return null; // plain dotted quads only, so that what an operator allowed reads unambiguously
            }
            InetAddress address = literal(addressText);
            if (address == null) {
                return null;
            }
            byte[] bytes = address.getAddress();
            int bits;
            try {
                bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (bits < 0 || bits > bytes.length * 8) {
                return null;
            }
            return new Block(bytes, bits);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefixBits; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
