-- Webhooks: an outbox of deliveries, written in the transaction that ends the task.

-- Which events a task's callback hears of: comma-separated, null for the terminal three.
alter table task add column callback_events varchar(200);

create table webhook_delivery (
    id              uuid                        not null primary key,  -- also the webhook-id header
    task_id         uuid                        not null references task (id) on delete cascade,
    event_type      varchar(32)                 not null,              -- task.succeeded, ...
    url             varchar(2048)               not null,
    payload         varchar(2097152)            not null,              -- the JSON body, as of the event
    -- PENDING (an attempt is due at next_attempt_at), SUCCEEDED, FAILED (no attempt left, or 410 Gone)
    state           varchar(16)                 not null,
    attempts        integer                     not null default 0,
    created_at      timestamp(6) with time zone not null,
    next_attempt_at timestamp(6) with time zone,
    -- While an attempt is in flight: who sends it, and until when no one else may
    lease_owner     varchar(100),
    lease_until     timestamp(6) with time zone
);
create index webhook_delivery_due on webhook_delivery (state, next_attempt_at);
create index webhook_delivery_task on webhook_delivery (task_id, created_at);

create table webhook_attempt (
    delivery_id   uuid                        not null references webhook_delivery (id) on delete cascade,
    attempt       integer                     not null,
    attempted_at  timestamp(6) with time zone not null,
    status_code   integer,                                  -- null when no answer came
    error         varchar(2000),                            -- why it failed, when it did
    duration_ms   bigint                      not null,
    response_body varchar(2000),                            -- the first bytes of the answer
    primary key (delivery_id, attempt)
);

-- Settings the service generates once and keeps, such as the webhook signing secret.
create table tempora_setting (
    name          varchar(100)  not null primary key,
    setting_value varchar(4000) not null
);
