package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Disregards an {@code Accept} header that cannot be parsed ({@code *}{@code /*;q=abc}, a quality
 * above 1), as RFC 9110 allows: the request is answered as if it had none. Honoured, it made every
 * answer, problems included, a 406 with no body at all, since nothing could be written in a type
 * nobody could name.
 */
@Component
class AcceptHeaderFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(readable(request) ? request : new WithoutAccept(request), response);
    }

    private static boolean readable(HttpServletRequest request) {
        for (var values = request.getHeaders(HttpHeaders.ACCEPT); values.hasMoreElements(); ) {
            try {
                MediaType.parseMediaTypes(values.nextElement());
            } catch (InvalidMediaTypeException unreadable) {
                return false;
            }
        }
        return true;
    }

    private static final class WithoutAccept extends HttpServletRequestWrapper {
        WithoutAccept(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return HttpHeaders.ACCEPT.equalsIgnoreCase(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return HttpHeaders.ACCEPT.equalsIgnoreCase(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            var names = Collections.list(super.getHeaderNames());
            names.removeIf(HttpHeaders.ACCEPT::equalsIgnoreCase);
            return Collections.enumeration(names);
        }
    }
}
