package dev.tempora.outbound;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.TreeMap;
import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;

/** Keeps the first bytes of a response body and drops the rest, so no receiver can fill the heap. */
final class CappedResponseConsumer extends AbstractBinResponseConsumer<OutboundResponse> {

    private final int cap;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private HttpResponse response;
    private ContentType contentType;
    private boolean truncated;

    CappedResponseConsumer(int cap) {
        this.cap = cap;
    }

    @Override
    protected void start(HttpResponse response, ContentType contentType) {
        this.response = response;
        this.contentType = contentType;
    }

    @Override
    protected int capacityIncrement() {
        return Math.max(1024, cap);
    }

    @Override
    protected void data(ByteBuffer src, boolean endOfStream) {
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
    }

    @Override
    protected OutboundResponse buildResult() {
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
