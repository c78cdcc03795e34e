-- When the lease on a delivery's attempt in flight was taken, which is when that attempt was sent.
-- An attempt whose instance was killed is recorded as stopped by whoever takes the delivery over,
-- at this time. It was reckoned as lease_until less the lease length of the instance taking over,
-- which is wrong by the difference when instances run with different tempora.webhooks.timeout
-- (the lease is that timeout + 30 s). Null while the delivery is not leased, and for a lease taken
-- before this column existed: that one is still reckoned the old way.
alter table webhook_delivery add column leased_at timestamp(6) with time zone;
