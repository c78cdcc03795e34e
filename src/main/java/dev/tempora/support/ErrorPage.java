package dev.tempora.support;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.support.WebContentGenerator;
import org.springframework.web.util.ServletRequestPathUtils;
import tools.jackson.databind.ObjectMapper;

/**
 * The error page, for what the servlet container answers without Spring MVC (Tomcat refuses
 * {@code TRACE} before any servlet runs): a problem like every other error, in place of Spring
 * Boot's own JSON. Its {@code instance} is the path that was asked for, not the error page's.
 */
@Hidden
@RestController
class ErrorPage implements ErrorController {

    private final ObjectProvider<HandlerMapping> mappings;
    private final ObjectMapper json;

    ErrorPage(ObjectProvider<HandlerMapping> mappings, ObjectMapper json) {
        this.mappings = mappings;
        this.json = json;
    }

    @RequestMapping("${server.error.path:/error}")
    @Nullable
    ResponseEntity<ProblemDetail> error(HttpServletRequest request, HttpServletResponse servletResponse)
            throws IOException {
        BrowserSafetyFilter.forbidFramingAndSniffing(servletResponse);
        if (!(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code)) {
            // Asked for directly, not forwarded with an error: a path like any other without an endpoint.
            return Problems.response(HttpStatus.NOT_FOUND, "not-found", "Not Found", "No endpoint here");
        }
        var status = HttpStatus.resolve(code);
        if (status == null || status.is5xxServerError() || !status.isError()) {
            return Problems.internalError();
        }
        var message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        var detail = message instanceof String text && !text.isBlank() ? text : status.getReasonPhrase();
        var path = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri ? uri : null;
        if (path != null && !MalformedPathFilter.wellEscaped(path)) {
            // A TRACE Tomcat refused, of a path with a malformed escape in a path parameter: Spring
            // reads those parameters as it writes any error, and threw (a 500). Written here instead.
            Problems.write(request, servletResponse, MalformedPathFilter.problem(), json);
            return null;
        }
        var response = status == HttpStatus.BAD_REQUEST
                ? unreadable(detail)
                : Problems.response(status, Problems.slug(status), status.getReasonPhrase(), detail);
        if (path == null) {
            return response;
        }
        try {
            // Spring would name the error page itself.
            response.getBody().setInstance(URI.create(path));
        } catch (IllegalArgumentException unnamed) {
            // not a URI Java takes: Spring names the error page, as before
        }
        if (status == HttpStatus.METHOD_NOT_ALLOWED) {
            // Tomcat refuses TRACE with an Allow naming every method the dispatcher servlet
            // implements, PUT and DELETE on every path. This is what the path takes, as Spring MVC
            // says for any other method it does not; set on the response itself, so that it
            // replaces Tomcat's rather than adding a second one.
            supported(request, path)
                    .map(ApiExceptionHandler::allowed)
                    .ifPresent(allowed -> servletResponse.setHeader(
                            HttpHeaders.ALLOW,
                            allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "))));
        }
        return response;
    }

    /**
     * What the web server refused while reading the request (a malformed chunk of a chunked body):
     * invalid input, so a {@code malformed-request} naming {@code request}, as the web server's own
     * refusals before any servlet are ({@link ContainerErrors}), not a bare {@code bad-request}.
     */
    private static ResponseEntity<ProblemDetail> unreadable(String detail) {
        var told = detail.equals(HttpStatus.BAD_REQUEST.getReasonPhrase()) ? ContainerErrors.UNREADABLE : detail;
        var problem = Problems.problem(
                HttpStatus.BAD_REQUEST, "malformed-request", HttpStatus.BAD_REQUEST.getReasonPhrase(), told);
        problem.setProperty("errors", List.of(new FieldProblem("request", told)));
        return ResponseEntity.badRequest()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    /**
     * The methods {@code path} is mapped to, as Spring MVC finds them for one it is not mapped to
     * (TRACE, which nothing here maps; the error page cannot ask for the refused method itself, as
     * Tomcat forwards a refused TRACE to it as a GET): the first handler mapping that matches the
     * path and restricts the methods decides. Empty when none does (a handler taking every method).
     */
    private Optional<Collection<HttpMethod>> supported(HttpServletRequest request, String path) {
        try {
            var probe = new PathProbe(request, path);
            ServletRequestPathUtils.parseAndCache(probe);
            for (var mapping : (Iterable<HandlerMapping>) mappings.orderedStream()::iterator) {
                HandlerExecutionChain chain;
                try {
                    chain = mapping.getHandler(probe);
                } catch (HttpRequestMethodNotSupportedException notSupported) {
                    return Optional.ofNullable(notSupported.getSupportedHttpMethods());
                }
                if (chain != null) {
                    return chain.getHandler() instanceof WebContentGenerator handler
                                    && handler.getSupportedMethods() != null
                            ? Optional.of(Stream.of(handler.getSupportedMethods())
                                    .map(HttpMethod::valueOf)
                                    .toList())
                            : Optional.empty();
                }
            }
            return Optional.empty();
        } catch (Exception unreadable) {
            // A path the mappings cannot take (a malformed one is answered before this, in error):
            // Tomcat's Allow stays.
            return Optional.empty();
        }
    }

    /**
     * The failed request's path as a TRACE, for the handler mappings to match: its path, not the
     * error page's, and attributes of its own, so that looking it up leaves the real request as it is.
     */
    private static final class PathProbe extends HttpServletRequestWrapper {
        private final String path;
        private final Map<String, Object> attributes = new HashMap<>();

        PathProbe(HttpServletRequest request, String path) {
            super(request);
            this.path = path;
        }

        @Override
        public String getMethod() {
            return HttpMethod.TRACE.name();
        }

        @Override
        public String getRequestURI() {
            return path;
        }

        @Override
        public String getServletPath() {
            return path.startsWith(getContextPath())
                    ? path.substring(getContextPath().length())
                    : path;
        }

        @Override
        public String getPathInfo() {
            return null;
        }

        @Override
        public String getQueryString() {
            return null;
        }

        @Override
        public DispatcherType getDispatcherType() {
            return DispatcherType.REQUEST;
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public Enumeration<String> getAttributeNames() {
            return Collections.enumeration(attributes.keySet());
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public void removeAttribute(String name) {
            attributes.remove(name);
        }
    }
}
