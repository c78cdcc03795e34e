-- The live instances: each heartbeats its row; a row whose heartbeat is older than the node
-- timeout (judged by the database clock) is removed, and that node's tasks are taken over.
create table tempora_node (
    id           varchar(100)                not null primary key,
    host         varchar(255)                not null,
    pid          bigint                      not null,
    started_at   timestamp(6) with time zone not null,
    heartbeat_at timestamp(6) with time zone not null
);

-- Finding a node's tasks: its reservations, what it runs, and the orphans of dead nodes.
create index task_owner on task (owner, state);
