package dev.tempora.support;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Refuses a path with a malformed percent escape as a {@code 400 malformed-request}. Tomcat refuses
 * one in the path itself, but leaves a path parameter ({@code /api/v1/tasks;b=%ZZ}) undecoded:
 * Spring's path parsing then threw, and the answer was a 500. (Tomcat refuses TRACE before any
 * filter: {@link ErrorPage} answers it so.)
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1) // right after the browser safety headers, which it keeps
class MalformedPathFilter extends OncePerRequestFilter {

    private final ObjectMapper json;

    MalformedPathFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (wellEscaped(request.getRequestURI())) {
            chain.doFilter(request, response);
            return;
        }
        Problems.write(request, response, problem(), json);
    }

    /** The answer to such a path, whatever its method. */
    static ProblemDetail problem() {
        return Problems.problem(
                HttpStatus.BAD_REQUEST,
                "malformed-request",
                "Malformed request",
                "The path is not valid percent-encoding: each % must be followed by two hexadecimal digits");
    }

    /** Whether every {@code %} in {@code path} (or a query's name or value) begins an escape of two hexadecimal digits. */
    static boolean wellEscaped(String path) {
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
            if (i + 2 >= path.length()
                    || Character.digit(path.charAt(i + 1), 16) < 0
                    || Character.digit(path.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
