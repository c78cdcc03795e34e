-- What an instance reports with each heartbeat, for one that joins it: a count of its reports, and
-- whether, as of the last, it may be running tasks ahead of their claims (alone in the node list,
-- or a claim of a task it started so not yet written). One that joins decides no cancel until each
-- instance listed then has reported, after the join, that it no longer does: a cancel decided
-- earlier could find such a task still SCHEDULED in the database although its handler has run.
-- Null for rows of instances of an earlier version, which do not report: one that joins them waits
-- out their lease on being alone instead (two heartbeats).
alter table tempora_node add column beats bigint;
alter table tempora_node add column starts_ahead boolean;
