-- The node timeout by which the others judge an instance dead: its own tempora.cluster.node-timeout,
-- which it checks is longer than its own heartbeat interval. Judged by each looker's own instead, an
-- instance whose heartbeat interval was longer than another's node timeout was presumed dead between
-- its heartbeats, again and again, and its running tasks ran a second time elsewhere. Null for rows
-- of instances of an earlier version: those are judged by the looker's own, as before.
alter table tempora_node add column node_timeout_ms bigint;
