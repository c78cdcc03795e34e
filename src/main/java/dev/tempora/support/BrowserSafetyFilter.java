package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Keeps other origins' pages from using an operator's browser against Tempora, which has no login
 * of its own: a change (any method but GET, HEAD, OPTIONS) that a browser sends from a page of
 * another origin is a 403 before anything runs, since a form or a no-cors {@code fetch} there could
 * cancel a task or redeliver an event without a CORS preflight. The browser says so with {@code
 * Sec-Fetch-Site} ({@code cross-site}, or {@code same-site}: another port or subdomain), which it
 * sends only to https and loopback URLs; elsewhere (plain http to a LAN name) its {@code Origin},
 * which it sends with every such change, tells: one that is not the request's own {@code Host} is
 * refused. Clients that send neither header (curl, SDKs) and the dashboard itself are not
 * affected. Every answer forbids framing and content sniffing, and the dashboard's page carries a
 * Content-Security-Policy allowing only its own scripts and styles.
 *
 * <p>A page can also become "same-origin" by DNS rebinding: its name, looked up again, now resolves
 * to 127.0.0.1, and the browser lets its scripts read and write Tempora on this machine. So a
 * request that reaches Tempora on a loopback address must name it as a local client would: {@code
 * localhost} (or a {@code .localhost} name), an IP address, this machine's own name, or one of
 * {@code tempora.api.allowed-hosts} ({@code *}: any); any other {@code Host} is a 403. This used to
 * apply only to requests carrying {@code Sec-Fetch-Site}, which a rebound page on plain http does
 * not send: a review's Chromium read and wrote everything that way. Requests arriving on other
 * addresses (a container's interface, a LAN address) are not checked.
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

    /** An IPv4 address as a Host header gives it; IPv6 ones hold a colon. */
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final ObjectMapper json;
    /** Names allowed beyond localhost and IP addresses, in lower case: the settings' and this machine's. */
    private final Set<String> allowedHosts;

    BrowserSafetyFilter(ObjectMapper json, ApiProperties properties) {
        this.json = json;
        var allowed = new HashSet<String>();
        properties.allowedHosts().forEach(host -> allowed.add(host.strip().toLowerCase(Locale.ROOT)));
        HostName.local().ifPresent(name -> allowed.add(name.toLowerCase(Locale.ROOT)));
        this.allowedHosts = Set.copyOf(allowed);
    }

    /**
     * What every answer carries; also set by the {@link ErrorPage} and by {@link ContainerErrors}, for
     * what the web server refuses before any filter runs (a TRACE, an encoded {@code /}, a malformed
     * request line).
     */
    static void forbidFramingAndSniffing(HttpServletResponse response) {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
    }

    /** Whether a request that reached a loopback address names it as a local client would. */
    private boolean hostAllowed(HttpServletRequest request) {
        if (allowedHosts.contains("*") || !isLoopback(request.getLocalAddr())) {
            return true;
        }
        var host = request.getServerName().toLowerCase(Locale.ROOT);
        return host.isEmpty()
                || host.equals("localhost")
                || host.endsWith(".localhost")
                || host.contains(":") // an IPv6 address
                || IPV4.matcher(host).matches()
                || allowedHosts.contains(host);
    }

    /**
     * The header that shows {@code request} came from another origin's page, as {@code name: value};
     * null if none does. {@code Sec-Fetch-Site} when the browser sent it; else the {@code Origin},
     * unless it is the origin the request was sent to (its authority the {@code Host}).
     */
    private static @Nullable String crossOrigin(HttpServletRequest request) {
        var site = request.getHeader("Sec-Fetch-Site");
        if (site != null) {
            return ALLOWED_SITES.contains(site.toLowerCase(Locale.ROOT)) ? null : "Sec-Fetch-Site: " + site;
        }
        var origin = request.getHeader("Origin");
        if (origin == null) {
            return null;
        }
        var host = request.getHeader("Host");
        return host != null && authority(origin).equalsIgnoreCase(host.strip()) ? null : "Origin: " + origin;
    }

    /** What follows the scheme in a serialized origin ({@code http://host:port}); empty for {@code null} and nonsense. */
    private static String authority(String origin) {
        int start = origin.indexOf("://");
        return start < 0 ? "" : origin.substring(start + 3).strip();
    }

    private static boolean isLoopback(String address) {
        return address != null
                && (address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        forbidFramingAndSniffing(response);
        if (!hostAllowed(request)) {
            Problems.write(
                    request,
                    response,
                    Problems.problem(
                            HttpStatus.FORBIDDEN,
                            "host-not-allowed",
                            "Host not allowed",
                            ("A request reached this loopback address as %s, a name that may have been rebound to"
                                            + " this machine by another site's page: use localhost or an IP address, or"
                                            + " add the name to tempora.api.allowed-hosts")
                                    .formatted(request.getServerName())),
                    json);
            return;
        }
        if (!SAFE_METHODS.contains(request.getMethod())) {
            var crossOrigin = crossOrigin(request);
            if (crossOrigin != null) {
                Problems.write(
                        request,
                        response,
                        Problems.problem(
                                HttpStatus.FORBIDDEN,
                                "cross-site-request",
                                "Cross-site request refused",
                                "A browser sent this change from another origin's page (" + crossOrigin + ")"),
                        json);
                return;
            }
        }
        if (DASHBOARD_PAGES.contains(request.getServletPath())) {
            response.setHeader("Content-Security-Policy", DASHBOARD_POLICY);
            response.setHeader("Referrer-Policy", "no-referrer");
        }
        chain.doFilter(request, response);
    }
}
