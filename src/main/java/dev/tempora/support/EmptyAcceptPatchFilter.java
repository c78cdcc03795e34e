package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Drops the empty {@code Accept-Patch} that Spring MVC 7.0 puts on every answer to an OPTIONS,
 * paths without PATCH included. Its presence says PATCH is allowed (RFC 5789, 3.1), and an empty
 * one is not even a valid value; a path that takes PATCH ({@code /api/v1/pools/{name}}) keeps its
 * list of media types.
 */
@Component
class EmptyAcceptPatchFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!HttpMethod.OPTIONS.matches(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        chain.doFilter(request, new HttpServletResponseWrapper(response) {
            @Override
            public void setHeader(String name, String value) {
                if (!emptyAcceptPatch(name, value)) {
                    super.setHeader(name, value);
                }
            }

            @Override
            public void addHeader(String name, String value) {
                if (!emptyAcceptPatch(name, value)) {
                    super.addHeader(name, value);
                }
            }
        });
    }

    private static boolean emptyAcceptPatch(String name, String value) {
        return HttpHeaders.ACCEPT_PATCH.equalsIgnoreCase(name) && (value == null || value.isBlank());
    }
}
