package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * As it starts, an instance removes the node rows of its own earlier incarnations at once, without
 * waiting out the node timeout, and never the row of a live sibling that shares its host name: two
 * containers on the host's network have one host name, and each runs as pid 1. Before, it removed
 * every row of its host with its own pid, or a pid that named no process here.
 */
@SpringBootTest(properties = {"tempora.cluster.node-timeout=PT60S", "tempora.cluster.heartbeat-interval=PT2S"})
@DirtiesContext
class EarlierIncarnationTests {

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Node node;

    @AfterEach
    void leaveNoRows() {
        jdbc.sql("delete from tempora_node where id like 'row-%'").update();
    }

    @Test
    void onlyRowsThatCannotBeALiveProcessAreForgottenAtStart() throws Exception {
        long deadPid = deadPid();
        context.stop();
        var sibling = row(node.pid(), "another container", 0);
        var quietSibling = row(node.pid(), "another container", 6);
        var goneElsewhere = row(deadPid, "another container", 0);
        var unknownSpace = row(node.pid(), null, 0);
        var goneHere = row(deadPid, node.processSpace(), 0);
        var thisPidHere = row(node.pid(), node.processSpace(), 0);
        context.start();

        // A pid of another process space says nothing here: left to the node timeout, even when
        // silent for a while (a sibling paused, or this container's own run before a restart).
        assertThat(ids()).contains(sibling, quietSibling, goneElsewhere, unknownSpace, node.id());
        if (node.processSpace() != null) { // Linux: a pid of this process space can be looked up
            assertThat(ids()).doesNotContain(goneHere, thisPidHere);
        }
    }

    /** A node row of this host: its pid, process space, and last heartbeat {@code secondsAgo}. */
    private String row(long pid, @Nullable String processSpace, int secondsAgo) {
        var id = "row-" + UUID.randomUUID();
        jdbc.sql("insert into tempora_node (id, host, pid, process_space, started_at, heartbeat_at) values"
                        + " (:id, :host, :pid, :space, current_timestamp, current_timestamp - interval '"
                        + secondsAgo + "' second)")
                .param("id", id)
                .param("host", node.host())
                .param("pid", pid)
                .param("space", processSpace)
                .update();
        return id;
    }

    private List<String> ids() {
        return jdbc.sql("select id from tempora_node").query(String.class).list();
    }

    /** The pid of a process that has ended. */
    private static long deadPid() throws Exception {
        var process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }
}
