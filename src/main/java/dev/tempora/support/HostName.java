package dev.tempora.support;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** This machine's host name, as instances name themselves: in their node ids and their logs. */
public final class HostName {

    private HostName() {}

    /** The local host's name, if it has one. */
    public static Optional<String> local() {
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException | SecurityException nameless) {
            return Optional.empty();
        }
    }
}
