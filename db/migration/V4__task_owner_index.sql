-- A task's owner without its state: the index then changes when a node reserves or claims a
-- task, but not when the task ends (an index whose key is unchanged is not rewritten), which
-- saves a third of the index writes of every outcome. The queries that use it (a node's
-- reservations, the orphans of dead nodes) filter the few rows of one owner by state.
drop index task_owner;
create index task_owner on task (owner);
