-- V21: every customer's failed calls, newest first (issue 15.8: the log shows all customers' errors of the last hour
-- at once). A partial index: only events with status >= 400 are in it, so a successful call's insert costs nothing
-- more, and the query of GET /v1/events?errors=true reads exactly the errors of its time range.
CREATE INDEX events_errors_ts ON events (ts_ms, seq) WHERE status >= 400;
