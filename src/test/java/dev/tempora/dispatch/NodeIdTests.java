package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A node's id fits where it is stored (100 characters, a webhook lease's suffix included) whatever
 * its host name: a fully qualified one of 100 characters made registration fail (review).
 */
class NodeIdTests {

    @Test
    void aLongHostNameIsCutInTheIdAndKeptWholeInTheNodeList() {
        var host = "worker-7." + "a".repeat(80) + ".example.internal";
        var node = new Node(host);

        assertThat(node.id()).hasSizeLessThanOrEqualTo(80).startsWith("worker-7.aaa");
        assertThat(node.host()).isEqualTo(host);
        assertThat(new Node("box").id())
                .startsWith("box-" + ProcessHandle.current().pid() + "-");
    }
}
