package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
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
 *
 * <p>A page can also become "same-origin" by DNS rebinding: its name, looked up again, now resolves
 * to 127.0.0.1, and the browser lets its scripts read and write Tempora on this machine. So a
 * browser's request (one with {@code Sec-Fetch-Site}, which no page can leave out) that reaches
 * Tempora on a loopback address must name it as a local one would: {@code localhost} (or a
 * {@code .localhost} name), an IP address, this machine's own name, or one of {@code
 * tempora.api.allowed-hosts} ({@code *}: any); any other {@code Host} is a 403. Other clients
 * (curl, SDKs, a proxy's own calls) cannot be rebound and are not checked, nor are requests arriving
 * on other addresses (a container's interface, a LAN address).
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
        try {
            allowed.add(InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT));
        } catch (UnknownHostException | SecurityException nameless) {
            // no name of its own to allow
        }
        this.allowedHosts = Set.copyOf(allowed);
    }

    /**
     * What every answer carries; also set by the {@link ErrorPage}, for what the web server refuses
     * before any filter runs (a TRACE, a malformed request line).
     */
    static void forbidFramingAndSniffing(HttpServletResponse response) {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
    }

    /** Whether a browser's request that reached a loopback address names it as a local page would. */
    private boolean hostAllowed(HttpServletRequest request) {
        if (request.getHeader("Sec-Fetch-Site") == null
                || allowedHosts.contains("*")
                || !isLoopback(request.getLocalAddr())) {
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
                            ("A browser reached this loopback address as %s, a name that may have been rebound to"
                                            + " this machine by another site's page: use localhost or an IP address, or"
                                            + " add the name to tempora.api.allowed-hosts")
                                    .formatted(request.getServerName())),
                    json);
            return;
        }
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
