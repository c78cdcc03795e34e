package dev.tempora.support;

import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.http.MediaType;
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
 * binds a collection or an array), and each query {@link Parameter} the method declares for a
 * parameter it reads itself (repeatable when documented as an array).
 */
final class QueryParameters implements HandlerInterceptor {

    private static final DefaultParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

    /** By endpoint method: each query parameter it takes, and whether it may be repeated. */
    private final Map<Method, Map<String, Boolean>> taken = new ConcurrentHashMap<>();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!(handler instanceof HandlerMethod endpoint)
                || !endpoint.getBeanType().getPackageName().startsWith("dev.tempora")
                || isForm(request)) { // its fields are parameters too; the endpoint refuses the body (415)
            return true;
        }
        var accepted = taken.computeIfAbsent(endpoint.getMethod(), QueryParameters::accepted);
        var problems = new ArrayList<FieldProblem>();
        request.getParameterMap().forEach((name, values) -> {
            var repeatable = accepted.get(name);
            if (repeatable == null) {
                problems.add(new FieldProblem(
                        name,
                        accepted.isEmpty()
                                ? "is not a query parameter of this endpoint, which takes none"
                                : "is not a query parameter of this endpoint; known are " + accepted.keySet()));
            } else if (!repeatable && values.length > 1) {
                problems.add(new FieldProblem(name, "is given " + values.length + " times; give it once"));
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return true;
    }

    private static boolean isForm(HttpServletRequest request) {
        var type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith(MediaType.APPLICATION_FORM_URLENCODED_VALUE);
    }

    private static Map<String, Boolean> accepted(Method method) {
        var accepted = new TreeMap<String, Boolean>();
        var names = NAMES.getParameterNames(method);
        var types = method.getParameterTypes();
        var annotations = method.getParameterAnnotations();
        for (int i = 0; i < types.length; i++) {
            for (var annotation : annotations[i]) {
                if (annotation instanceof RequestParam param) {
                    var name = !param.name().isEmpty() ? param.name() : names == null ? null : names[i];
                    if (name != null) {
                        accepted.put(name, types[i].isArray() || Collection.class.isAssignableFrom(types[i]));
                    }
                }
            }
        }
        for (var documented : method.getAnnotationsByType(Parameter.class)) {
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
