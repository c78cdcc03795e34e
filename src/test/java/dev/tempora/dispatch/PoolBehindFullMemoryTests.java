package dev.tempora.dispatch;

import org.springframework.boot.test.context.SpringBootTest;

/**
 * {@link PoolBehindBacklogTests}' backlog, larger than {@code max-in-memory}: the loader takes the
 * earliest due of every pool, so once one pool's overdue tasks filled memory, an idle pool's tasks
 * stayed in the database until that backlog had drained past their {@code runAt} (here about
 * 50 s). Each pool keeps a share of memory the others cannot take.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.dispatch.max-in-memory=100",
            "tempora.dispatch.claim-batch=100",
            "tempora.pools.default.size=1",
            "tempora.pools.urgent.size=1"
        })
class PoolBehindFullMemoryTests extends PoolBehindBacklogTests {}
