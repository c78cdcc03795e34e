package dev.tempora.dispatch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * This instance. Its id is recorded as the owner of the tasks it reserves and runs, and is renewed
 * when the instance learns it was presumed dead (a long pause): runs it started before then can no
 * longer record an outcome, since their tasks belong to whoever took them over.
 */
@Component
public class Node {

    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private volatile String id;

    Node() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException unnamed) {
            name = "node";
        }
        this.host = name;
        renew();
    }

    public String id() {
        return id;
    }

    String host() {
        return host;
    }

    long pid() {
        return pid;
    }

    /** A new incarnation: a new id. */
    final void renew() {
        id = host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
