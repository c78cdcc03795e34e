package dev.tempora.support;

import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a query parameter that an endpoint does not take, and one it takes once given more than
 * once, as unknown fields of a request body are refused ({@link RequestBodies}). Ignored, a
 * misspelt {@code ?States=FAILED} listed every task, {@code POST /tasks?delay=60} ran the task at
 * once, and {@code ?handler=a&handler=b} was read as the one handler {@code "a,b"}.
 *
 * <p>What an endpoint takes is read off its method: each {@link RequestParam} (repeatable when it
 * binds a collection or an array; any parameter at all when it binds a map), and each query
 * {@link Parameter} the method declares for a parameter it reads itself (repeatable when documented
 * as an array). Only the query string is checked: a form body's fields are not query parameters.
 */
final class QueryParameters implements HandlerInterceptor {

    private static final DefaultParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    /** What an endpoint taking every parameter (a map of them) is known by. */
    private static final Map<String, Boolean> ANY = Collections.unmodifiableMap(new TreeMap<>());

    /** By endpoint method: each query parameter it takes, and whether it may be repeated. */
    private final Map<Method, Map<String, Boolean>> taken = new ConcurrentHashMap<>();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!(handler instanceof HandlerMethod endpoint)
                || !endpoint.getBeanType().getPackageName().startsWith("dev.tempora")
                || request.getQueryString() == null) {
            return true;
        }
        // The container's own parse first: it refuses a malformed escape (a malformed-request problem).
        request.getParameterMap();
        var accepted = taken.computeIfAbsent(endpoint.getMethod(), method -> accepted(endpoint));
        if (accepted == ANY) {
            return true;
        }
        var problems = new ArrayList<FieldProblem>();
        given(request.getQueryString()).forEach((name, times) -> {
            var repeatable = accepted.get(name);
            if (repeatable == null) {
                problems.add(new FieldProblem(
                        name,
                        accepted.isEmpty()
                                ? "is not a query parameter of this endpoint, which takes none"
                                : "is not a query parameter of this endpoint; known are " + accepted.keySet()));
            } else if (!repeatable && times > 1) {
                problems.add(new FieldProblem(name, "is given " + times + " times; give it once"));
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return true;
    }

    /**
     * The names in {@code query}, decoded, with how often each is given. The container has refused a
     * malformed escape by now; were one left, its name is taken as written.
     */
    private static Map<String, Integer> given(String query) {
        var names = new LinkedHashMap<String, Integer>();
        for (var pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            var name = equals < 0 ? pair : pair.substring(0, equals);
            try {
                name = URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                // kept as written
            }
            names.merge(name, 1, Integer::sum);
        }
        return names;
    }

    private static Map<String, Boolean> accepted(HandlerMethod endpoint) {
        var accepted = new TreeMap<String, Boolean>();
        var names = NAMES.getParameterNames(endpoint.getMethod());
        for (var parameter : endpoint.getMethodParameters()) {
            // Synthesized: @RequestParam("limit") and @RequestParam(name = "limit") read alike.
            var param = parameter.getParameterAnnotation(RequestParam.class);
            if (param == null) {
                continue;
            }
            var type = parameter.getParameterType();
            if (Map.class.isAssignableFrom(type)) {
                return ANY;
            }
            var name = !param.name().isEmpty()
                    ? param.name()
                    : names == null ? null : names[parameter.getParameterIndex()];
            if (name != null) {
                accepted.put(name, type.isArray() || Collection.class.isAssignableFrom(type));
            }
        }
        for (var documented : endpoint.getMethod().getAnnotationsByType(Parameter.class)) {
            if (documented.in() == ParameterIn.QUERY && !documented.name().isEmpty()) {
                accepted.put(
                        documented.name(),
                        !documented.array().schema().type().isEmpty()
                                || !documented.array().schema().implementation().equals(Void.class));
            }
        }
        return Collections.unmodifiableSortedMap(accepted);
    }
}
