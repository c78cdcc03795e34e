package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Disregards an {@code Accept} header that cannot be parsed ({@code *}{@code /*;q=abc}, a quality
 * above 1), as RFC 9110 allows: the request is answered as if it had none. Honoured, it made every
 * answer, problems included, a 406 with no body at all, since nothing could be written in a type
 * nobody could name.
 *
 * <p>A media range with {@code q=0} refuses the types it covers (RFC 9110, 12.4.2), but Spring reads
 * it as one more acceptable range: {@code application/json;q=0} was answered in JSON. Such ranges
 * are taken out before Spring reads the header; when nothing is left, nothing is acceptable, and the
 * answer is a 406 problem at once. A broader range beside a refused one stays: it cannot be told
 * "all but JSON", and dropping it too refused far more than the client did ({@code *}{@code /*,
 * text/html;q=0}, or a browser's header refusing one image type, became a 406 everywhere).
 *
 * <p>A range's {@code charset} is taken out too: Tempora writes UTF-8 (JSON's only encoding, RFC
 * 8259). Left in, Spring wrote each answer in it, and one it could not (ISO-8859-1, UTF-16) was a
 * 500 after the request had taken effect: a submission stored, a task cancelled (found by review).
 */
@Component
class AcceptHeaderFilter extends OncePerRequestFilter {

    private final ObjectMapper json;

    AcceptHeaderFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        List<MediaType> ranges;
        try {
            ranges = ranges(request);
        } catch (InvalidMediaTypeException unreadable) {
            chain.doFilter(new ReplacedAccept(request, null), response);
            return;
        }
        var accepted = ranges.stream()
                .filter(range -> range.getQualityValue() > 0)
                .map(AcceptHeaderFilter::withoutCharset)
                .toList();
        if (accepted.equals(ranges)) {
            chain.doFilter(request, response);
            return;
        }
        if (accepted.isEmpty()) {
            Problems.write(
                    request,
                    response,
                    Problems.problem(
                            HttpStatus.NOT_ACCEPTABLE,
                            "not-acceptable",
                            "Not Acceptable",
                            "The Accept header leaves no media type acceptable: a range with q=0 refuses the"
                                    + " types it covers"),
                    json);
            return;
        }
        chain.doFilter(new ReplacedAccept(request, MediaType.toString(accepted)), response);
    }

    /** {@code range} without a {@code charset} parameter. */
    private static MediaType withoutCharset(MediaType range) {
        if (range.getCharset() == null) {
            return range;
        }
        var parameters = new LinkedHashMap<>(range.getParameters());
        parameters.keySet().removeIf("charset"::equalsIgnoreCase);
        return new MediaType(range.getType(), range.getSubtype(), parameters);
    }

    /** The media ranges of every {@code Accept} header, in order. */
    private static List<MediaType> ranges(HttpServletRequest request) {
        var ranges = new ArrayList<MediaType>();
        for (var values = request.getHeaders(HttpHeaders.ACCEPT); values.hasMoreElements(); ) {
            ranges.addAll(MediaType.parseMediaTypes(values.nextElement()));
        }
        return ranges;
    }

    /** The request with {@code accept} as its only {@code Accept} header, or none when it is null. */
    private static final class ReplacedAccept extends HttpServletRequestWrapper {
        private final @Nullable String accept;

        ReplacedAccept(HttpServletRequest request, @Nullable String accept) {
            super(request);
            this.accept = accept;
        }

        @Override
        public String getHeader(String name) {
            return HttpHeaders.ACCEPT.equalsIgnoreCase(name) ? accept : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (!HttpHeaders.ACCEPT.equalsIgnoreCase(name)) {
                return super.getHeaders(name);
            }
            return accept == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(accept));
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            var names = Collections.list(super.getHeaderNames());
            if (accept == null) {
                names.removeIf(HttpHeaders.ACCEPT::equalsIgnoreCase);
            }
            return Collections.enumeration(names);
        }
    }
}
