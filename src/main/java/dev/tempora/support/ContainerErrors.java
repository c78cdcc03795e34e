package dev.tempora.support;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/**
 * The errors Tomcat answers itself, before any of Tempora's code runs (a path with an encoded
 * {@code /}, an invalid character in the request line), come as RFC 9457 problems like every
 * other error, instead of Tomcat's HTML page.
 */
@Component
class ContainerErrors implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

    /**
     * What a request the web server refused without saying why is told: here, and on the error
     * page for one it refused while the body was read ({@link ErrorPage}).
     */
    static final String UNREADABLE =
            "The request could not be read (its request line, headers, path or framing): nothing was done";

    private final ObjectMapper json;

    ContainerErrors(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            var host = (StandardHost) context.getParent();
            for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve) {
                    host.getPipeline().removeValve(valve);
                }
            }
            // The host adds a valve of this class when it starts, unless it finds one already.
            host.setErrorReportValveClass(ProblemReportValve.class.getName());
            host.getPipeline().addValve(new ProblemReportValve(json));
        });
    }

    /** After Spring Boot's own customizer, which adds an HTML error report valve. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /** Writes the problem where {@link ErrorReportValve} writes its HTML page. */
    static final class ProblemReportValve extends ErrorReportValve {

        private final ObjectMapper json;

        ProblemReportValve(ObjectMapper json) {
            this.json = json;
        }

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            if (status == 501 || status == 505) {
                // Tomcat's answers to a transfer coding or method it does not implement, and to an
                // HTTP version it does not speak. RFC 9112 suggests these, but Tempora's contract
                // promises no 5xx to any request, however malformed: it is the request that is wrong.
                status = 400;
                response.setStatus(status);
            }
            var ioAllowed = new AtomicBoolean();
            response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
            if (!ioAllowed.get()) {
                return; // the connection is gone: nobody would read it
            }
            var known = HttpStatus.resolve(status);
            var title = known == null ? "Error" : known.getReasonPhrase();
            var problem = new LinkedHashMap<String, Object>();
            problem.put(
                    "type",
                    Problems.type(status < 500 ? "malformed-request" : "server-error")
                            .toString());
            problem.put("title", title);
            problem.put("status", status);
            var message = response.getMessage();
            var detail = message;
            if (detail == null || detail.isBlank()) {
                detail = status < 500 ? UNREADABLE : title;
            }
            problem.put("detail", detail);
            if (status < 500) {
                // Invalid input, as the contract has it: an errors array, naming what Tomcat read.
                problem.put("errors", List.of(Map.of("field", "request", "message", detail)));
            }
            try {
                BrowserSafetyFilter.forbidFramingAndSniffing(response);
                response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
                response.setCharacterEncoding("UTF-8");
                var writer = response.getReporter();
                if (writer != null) {
                    writer.write(json.writeValueAsString(problem));
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException ignored) {
                // The client went away, or the response was taken meanwhile: nothing left to tell.
            }
        }
    }
}
