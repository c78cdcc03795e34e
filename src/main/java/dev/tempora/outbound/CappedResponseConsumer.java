package dev.tempora.outbound;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;

/**
 * Keeps the first bytes of a response body and drops the rest, so no receiver can fill the heap. Its
 * callbacks run on the client's I/O thread, {@link #soFar} on any other: hence the locking.
 */
final class CappedResponseConsumer extends AbstractBinResponseConsumer<OutboundResponse> {

    private final int cap;
    private final Consumer<OutboundResponse> whenFull;
    private final Consumer<OutboundResponse> whenOver;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private HttpResponse response;
    private ContentType contentType;
    private boolean truncated;
    private boolean full;
    private boolean over;
    private boolean ended;

    /**
     * {@code whenFull} is given the answer once, when the first {@code cap} bytes of its body have
     * come and it has not ended; {@code whenOver} once, when a byte past them has come: the body is
     * then cut at {@code cap}, and what comes after is not worth waiting for.
     */
    CappedResponseConsumer(int cap, Consumer<OutboundResponse> whenFull, Consumer<OutboundResponse> whenOver) {
        this.cap = cap;
        this.whenFull = whenFull;
        this.whenOver = whenOver;
    }

    @Override
    protected synchronized void start(HttpResponse response, ContentType contentType) {
        this.response = response;
        this.contentType = contentType;
    }

    @Override
    protected int capacityIncrement() {
        return Math.max(1024, cap);
    }

    @Override
    protected void data(ByteBuffer src, boolean endOfStream) {
        boolean filled;
        boolean overflowed;
        synchronized (this) {
            int room = cap - kept.size();
            int take = Math.min(room, src.remaining());
            if (take > 0) {
                byte[] chunk = new byte[take];
                src.get(chunk);
                kept.write(chunk, 0, take);
            }
            if (src.hasRemaining()) {
                truncated = true;
                src.position(src.limit());
            }
            filled = !full && kept.size() >= cap && !endOfStream;
            full |= filled;
            overflowed = !over && truncated;
            over |= overflowed;
            ended |= endOfStream;
        }
        if (filled) {
            whenFull.accept(soFar().orElseThrow());
        }
        if (overflowed) {
            whenOver.accept(soFar().orElseThrow());
        }
    }

    /**
     * The answer as far as it has come: empty until its status line and headers have. Its body is
     * marked truncated unless it has ended: the exchange is cut off here.
     */
    synchronized Optional<OutboundResponse> soFar() {
        truncated |= !ended;
        return response == null ? Optional.empty() : Optional.of(buildResult());
    }

    @Override
    protected synchronized OutboundResponse buildResult() {
        var headers = new TreeMap<String, String>();
        for (var header : response.getHeaders()) {
            headers.put(header.getName().toLowerCase(Locale.ROOT), header.getValue());
        }
        return new OutboundResponse(
                response.getCode(),
                headers,
                kept.toByteArray(),
                contentType == null ? null : contentType.toString(),
                truncated);
    }

    @Override
    public void releaseResources() {}
}
