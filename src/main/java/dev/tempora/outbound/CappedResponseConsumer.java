package dev.tempora.outbound;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
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

    /** The content codings the client asks for and decodes ({@code ContentCompressionAsyncExec}). */
    private static final Set<String> DECODED = Set.of("gzip", "x-gzip", "deflate");

    private final int cap;
    private final boolean cutWhenFull;
    private final Consumer<OutboundResponse> whenCut;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private HttpResponse response;
    private ContentType contentType;
    /** Whether a byte past the cap came. */
    private boolean overflowed;

    private boolean ended;
    private boolean cut;

    /**
     * {@code whenCut} is given the answer once, when its body is cut at {@code cap} bytes: as soon as
     * they have come and it has not ended, if {@code cutWhenFull}; otherwise once a byte past them
     * has come, since what comes after is not worth waiting for.
     */
    CappedResponseConsumer(int cap, boolean cutWhenFull, Consumer<OutboundResponse> whenCut) {
        this.cap = cap;
        this.cutWhenFull = cutWhenFull;
        this.whenCut = whenCut;
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
        boolean cutNow;
        synchronized (this) {
            int take = Math.min(cap - kept.size(), src.remaining());
            if (take > 0) {
                byte[] chunk = new byte[take];
                src.get(chunk);
                kept.write(chunk, 0, take);
            }
            if (src.hasRemaining()) {
                overflowed = true;
                src.position(src.limit());
            }
            ended |= endOfStream;
            cutNow = !cut && (cutWhenFull ? kept.size() >= cap && !ended : overflowed);
            cut |= cutNow;
        }
        if (cutNow) {
            whenCut.accept(soFar().orElseThrow());
        }
    }

    /**
     * The answer as far as it has come: empty until its status line and headers have. Its body is
     * marked truncated unless it has ended within the cap: the exchange is cut off here.
     */
    synchronized Optional<OutboundResponse> soFar() {
        return response == null ? Optional.empty() : Optional.of(buildResult());
    }

    @Override
    protected synchronized OutboundResponse buildResult() {
        var headers = new TreeMap<String, String>();
        for (var header : response.getHeaders()) {
            // A field sent more than once is one list, its values in the order they came (RFC 9110,
            // 5.3): keeping one of them dropped the others. Set-Cookie is the exception RFC 9110 names
            // (its values hold commas of their own): one per line.
            var name = header.getName().toLowerCase(Locale.ROOT);
            var separator = name.equals("set-cookie") ? "\n" : ", ";
            headers.merge(name, header.getValue(), (first, next) -> first + separator + next);
        }
        if (decoded(headers.get("content-encoding"))) {
            // The client has decoded the body (as its classic counterpart does, it asks for these
            // codings and decodes them): these described the bytes that came, not the body here.
            headers.remove("content-encoding");
            headers.remove("content-length");
            headers.remove("content-md5");
        }
        return new OutboundResponse(
                response.getCode(),
                headers,
                kept.toByteArray(),
                contentType == null ? null : contentType.toString(),
                overflowed || !ended);
    }

    /** Whether {@code coding} names only codings the HTTP client decodes (gzip, x-gzip, deflate). */
    private static boolean decoded(String coding) {
        return coding != null
                && Arrays.stream(coding.split(","))
                        .map(token -> token.strip().toLowerCase(Locale.ROOT))
                        .allMatch(DECODED::contains);
    }

    @Override
    public void releaseResources() {}
}
