package dev.tempora.live;

import dev.tempora.task.TaskId;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Conditional GETs of the task, the task list, the queue and the stats: the ETag is computed
 * before the controller runs, and a request whose {@code If-None-Match} holds it is answered
 * {@code 304} at once, so the resource is neither queried nor serialised. Otherwise the tag rides
 * along to {@link ConditionalGetHeaders}, which puts it on a successful answer.
 *
 * <p>The tag is taken before the resource is read: a change in between makes the body newer than
 * its tag, so the next poll gets a fresh body. The other way round would serve stale ones.
 */
@Component
class ConditionalGets implements HandlerInterceptor {

    /** The request attribute that carries the ETag to {@link ConditionalGetHeaders}. */
    static final String ETAG = ConditionalGets.class.getName() + ".etag";

    /** Clients may keep a copy but must revalidate it before each use. */
    static final String CACHE_CONTROL = "no-cache";

    private static final String TASKS = "/api/v1/tasks";
    private static final String TASK = "/api/v1/tasks/";
    private static final String QUEUE = "/api/v1/queue";

    private final EntityTags tags;

    ConditionalGets(EntityTags tags) {
        this.tags = tags;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (request.getDispatcherType() != DispatcherType.REQUEST
                || !("GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod()))) {
            return true;
        }
        var etag = etagOf(request);
        if (etag.isEmpty()) {
            return true;
        }
        // "*" matches any current representation; a list or queue query is only known to have one
        // once the controller has read it ("?limit=0" is a 400, and was a 304 with "*").
        var path = request.getRequestURI().substring(request.getContextPath().length());
        boolean queried = path.equals(TASKS) || path.equals(QUEUE);
        if (matches(request.getHeader(HttpHeaders.IF_NONE_MATCH), etag.get(), !queried)) {
            response.setStatus(HttpStatus.NOT_MODIFIED.value());
            response.setHeader(HttpHeaders.ETAG, etag.get());
            response.setHeader(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL);
            return false;
        }
        request.setAttribute(ETAG, etag.get());
        return true;
    }

    private Optional<String> etagOf(HttpServletRequest request) {
        var path = request.getRequestURI().substring(request.getContextPath().length());
        return switch (path) {
            case TASKS -> Optional.of(tags.collection("l", request.getQueryString()));
            case QUEUE -> Optional.of(tags.collection("q", request.getQueryString()));
            case "/api/v1/stats" -> Optional.of(tags.stats());
            default -> {
                var id = path.startsWith(TASK) ? path.substring(TASK.length()) : "";
                // A long poll (wait) answers when the task is done, not whether it changed: no tag.
                var wait = request.getParameter("wait");
                yield id.contains("/") || (wait != null && !wait.isBlank())
                        ? Optional.empty()
                        : TaskId.parse(id).flatMap(tags::task);
            }
        };
    }

    /**
     * Whether {@code ifNoneMatch} (a list of tags, or *) holds {@code etag}, by weak comparison;
     * {@code *} only if {@code wildcard}.
     */
    static boolean matches(String ifNoneMatch, String etag, boolean wildcard) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
            return false;
        }
        var wanted = opaque(etag);
        for (var candidate : ifNoneMatch.split(",")) {
            var tag = candidate.strip();
            if ((wildcard && tag.equals("*")) || opaque(tag).equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }
}
