/**
 * The gateway: a metering proxy in front of provider APIs ({@code /gateway/{upstream}/...}, docs/gateway.md).
 *
 * <p>Rules: every call is authorized before it is forwarded, and a denial never reaches the upstream; every call
 * that was forwarded (or tried to be) is recorded as exactly one event, with the provider's own usage, or with its
 * status and no usage when it failed, or estimated and marked {@code usage_estimated} when a stream ended early.
 * Nothing holds a body whole: answers are written and flushed as they arrive (an event stream an event at a time),
 * bodies the gateway does not need stream through unread, and a JSON answer is copied only up to a bound. The
 * caller's key never goes upstream and an upstream key never goes back, into a log or into the store in the clear
 * ({@link dev.tally.server.gateway.KeySealer}). One {@code Provider} per upstream type holds everything
 * provider-specific; {@link dev.tally.server.gateway.Gateway} knows none of it. Errors the gateway answers itself are
 * in the provider's format, not problem JSON (except for {@code http} upstreams), so SDKs raise their own errors.
 */
package dev.tally.server.gateway;
