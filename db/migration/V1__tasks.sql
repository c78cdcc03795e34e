-- Tasks: one row per submitted task, the single source of truth for its state.
-- JSON values (args, result, labels) are stored as text: H2 and PostgreSQL share this schema.
create table task (
    id                uuid                        not null primary key,  -- UUIDv7: time-ordered
    handler           varchar(200)                not null,
    args              varchar(1048576),                                  -- JSON text, null = JSON null
    priority          integer                     not null,
    run_at            timestamp(6) with time zone not null,
    created_at        timestamp(6) with time zone not null,
    -- SCHEDULED (also reported as QUEUED once run_at has come), RUNNING, SUCCEEDED, FAILED, CANCELLED
    state             varchar(16)                 not null,
    attempts          integer                     not null default 0,
    started_at        timestamp(6) with time zone,
    finished_at       timestamp(6) with time zone,
    result            varchar(1048576),                                  -- JSON text of the handler's return value
    exception_type    varchar(500),
    exception_message varchar(10000),
    exception_trace   varchar(65536),
    timeout_ms        bigint,
    callback_url      varchar(2048),
    pool              varchar(64)                 not null,
    owner             varchar(100)                                       -- the node that runs it, while RUNNING
);

-- The dispatcher's loader and the queue view: due tasks in sched order.
create index task_due on task (state, run_at, priority, id);
-- Dashboard listing, newest first, filtered by state or handler.
create index task_state_id on task (state, id);
create index task_handler_id on task (handler, id);

create table task_label (
    task_id     uuid          not null references task (id) on delete cascade,
    label_key   varchar(200)  not null,
    label_value varchar(1000) not null,
    primary key (task_id, label_key)
);
create index task_label_lookup on task_label (label_key, label_value, task_id);
