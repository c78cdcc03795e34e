package dev.tempora.support;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page, for what the servlet container answers without Spring MVC (Tomcat refuses
 * {@code TRACE} before any servlet runs): a problem like every other error, in place of Spring
 * Boot's own JSON.
 */
@Hidden
@RestController
class ErrorPage implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
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
        return Problems.response(status, Problems.slug(status), status.getReasonPhrase(), detail);
    }
}
