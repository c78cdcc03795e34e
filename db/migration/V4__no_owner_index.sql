-- Reservations of nodes that left the node list count as none (the loader's query says so), and
-- orphaned RUNNING tasks are found through task_due's 'RUNNING' range: no query needs an index on
-- owner any more. Without it, every state change maintains one index fewer, and a reservation
-- (which changes only owner) no index at all.
drop index task_owner;
