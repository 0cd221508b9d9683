-- V18: an operator's texts for denials and alerts of a plan's customers (issue 15.4). limit_name is '' for the
-- plan-wide text of a kind, else the name of the limit the text is for (it wins over the plan-wide one).
CREATE TABLE plan_messages (
    plan_id    TEXT NOT NULL,
    limit_name TEXT NOT NULL,
    kind       TEXT NOT NULL,
    template   TEXT NOT NULL,
    PRIMARY KEY (plan_id, limit_name, kind)
) STRICT;
