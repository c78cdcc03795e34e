package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Gives the actuator's bodiless errors a problem, as every other error of the service has one.
 * Its endpoints answer what they cannot find (an unknown health group, {@code
 * /actuator/health/nonexistent}, or metric) with a bare status: a 404 with an empty body.
 * Answers with a body (a readiness probe's 503, say) are left as they are.
 */
@Component
class ActuatorProblemFilter extends OncePerRequestFilter {

    private final String basePath;
    private final ObjectMapper json;

    ActuatorProblemFilter(
            @Value("${management.endpoints.web.base-path:/actuator}") String basePath, ObjectMapper json) {
        this.basePath = basePath;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        var path = request.getRequestURI().substring(request.getContextPath().length());
        return !path.equals(basePath) && !path.startsWith(basePath + "/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var watched = new BodyWatchingResponse(response);
        chain.doFilter(request, watched);
        var status = HttpStatus.resolve(response.getStatus());
        if (watched.bodyStarted || response.isCommitted() || status == null || !status.isError()) {
            return;
        }
        Problems.write(
                request,
                response,
                Problems.problem(
                        status,
                        Problems.slug(status),
                        status.getReasonPhrase(),
                        status == HttpStatus.NOT_FOUND
                                ? "Nothing found at " + request.getRequestURI()
                                : status.getReasonPhrase()),
                json);
    }

    /** Notes whether anything asked for the body, which an answer without one never does. */
    private static final class BodyWatchingResponse extends HttpServletResponseWrapper {
        boolean bodyStarted;

        BodyWatchingResponse(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            bodyStarted = true;
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            bodyStarted = true;
            return super.getWriter();
        }
    }
}
