package dev.tempora.dispatch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import org.springframework.stereotype.Component;

/** This instance: its id is recorded as the owner of the tasks it runs. */
@Component
public class Node {

    private final String id;

    Node() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException unnamed) {
            host = "node";
        }
        this.id = host + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    public String id() {
        return id;
    }
}
