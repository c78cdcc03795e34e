package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Keeps other origins' pages from using an operator's browser against Tempora, which has no login
 * of its own: a change (any method but GET, HEAD, OPTIONS) that the browser says comes from a
 * page of another origin ({@code Sec-Fetch-Site} {@code cross-site} or {@code same-site}: another
 * port or subdomain, Fetch Metadata) is a 403 before anything runs, since a form or a no-cors
 * {@code fetch} there could cancel a task or redeliver an event without a CORS preflight; clients
 * that send no such header (curl, SDKs) and the dashboard itself are not affected. Every answer forbids framing and content sniffing, and the dashboard's
 * page carries a Content-Security-Policy allowing only its own scripts and styles.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE) // first, so that what other filters answer themselves carries the headers too
class BrowserSafetyFilter extends OncePerRequestFilter {

    static final String DASHBOARD_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
            + " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    /** Its own pages, and what the user typed or bookmarked: any other origin's page is refused. */
    private static final Set<String> ALLOWED_SITES = Set.of("same-origin", "none");

    private static final Set<String> DASHBOARD_PAGES = Set.of("/", "/index.html");

    private final ObjectMapper json;

    BrowserSafetyFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        var site = request.getHeader("Sec-Fetch-Site");
        if (!SAFE_METHODS.contains(request.getMethod())
                && site != null
                && !ALLOWED_SITES.contains(site.toLowerCase(Locale.ROOT))) {
            Problems.write(
                    request,
                    response,
                    Problems.problem(
                            HttpStatus.FORBIDDEN,
                            "cross-site-request",
                            "Cross-site request refused",
                            "A browser sent this change from another origin's page (Sec-Fetch-Site: " + site + ")"),
                    json);
            return;
        }
        if (DASHBOARD_PAGES.contains(request.getServletPath())) {
            response.setHeader("Content-Security-Policy", DASHBOARD_POLICY);
            response.setHeader("Referrer-Policy", "no-referrer");
        }
        chain.doFilter(request, response);
    }
}
