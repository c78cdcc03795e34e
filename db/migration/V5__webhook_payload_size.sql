-- A delivery's payload is the task as the API shows it, so it holds args and result together, each
-- up to 1,048,576 characters (their columns), with labels (64 of up to 1,200 characters, up to six
-- times longer escaped), the callback URL and the rest. 2,097,152 characters could not hold a task
-- whose args and result were both near their limit: the insert failed, and with it the transaction
-- that records the task's outcome, so the task stayed RUNNING. 4,194,304 holds the largest there can be.
alter table webhook_delivery alter column payload set data type varchar(4194304);
