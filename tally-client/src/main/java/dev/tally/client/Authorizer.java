package dev.tally.client;

/**
 * The port a middleware asks "may this call go ahead?": Tally over HTTP ({@link RemoteAuthorizer}) or Tally's
 * enforcer in the same JVM ({@link EmbeddedAuthorizer}).
 */
@FunctionalInterface
public interface Authorizer {
    /**
     * Decides whether the call may go ahead and, if so, reserves its estimate.
     *
     * @throws TallyException if no decision could be made (Tally unreachable, an unknown customer, an invalid
     *                        estimate); the caller's failure policy decides what happens to the call then
     */
    Decision authorize(Call call);
}
