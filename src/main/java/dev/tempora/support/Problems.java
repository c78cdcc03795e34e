package dev.tempora.support;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.ObjectMapper;

/** RFC 9457 problems with Tempora's stable type URIs ({@code urn:tempora:problem:<slug>}). */
public final class Problems {

    private Problems() {}

    public static URI type(String slug) {
        return URI.create("urn:tempora:problem:" + slug);
    }

    /** The type of a problem known by its status alone, e.g. {@code method-not-allowed} for 405. */
    public static String slug(HttpStatusCode status) {
        var known = HttpStatus.resolve(status.value());
        return known == null
                ? "http-" + status.value()
                : known.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static ProblemDetail problem(HttpStatus status, String slug, String title, String detail) {
        var problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type(slug));
        problem.setTitle(title);
        return problem;
    }

    public static ResponseEntity<ProblemDetail> response(HttpStatus status, String slug, String title, String detail) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(status, slug, title, detail));
    }

    /** Writes {@code problem} as the answer to {@code request}, for a filter that answers before Spring MVC. */
    public static void write(
            HttpServletRequest request, HttpServletResponse response, ProblemDetail problem, ObjectMapper json)
            throws IOException {
        try {
            problem.setInstance(URI.create(request.getRequestURI())); // as Spring sets it on the others
        } catch (IllegalArgumentException notAUri) {
            // a path with a malformed escape (MalformedPathFilter): no instance rather than a 500
        }
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    /** 500, saying no more than that: the cause is in the log. */
    public static ResponseEntity<ProblemDetail> internalError() {
        return response(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal-error",
                "Internal server error",
                "The server could not answer; the error has been logged");
    }

    /** 400 with an {@code errors} array naming every invalid field. */
    public static ProblemDetail invalid(List<FieldProblem> errors) {
        var problem = problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", summary(errors));
        problem.setProperty("errors", errors);
        return problem;
    }

    /** One field's messages in full; the number of fields when there are more. */
    private static String summary(List<FieldProblem> errors) {
        long fields = errors.stream().map(FieldProblem::field).distinct().count();
        if (fields != 1) {
            return fields + " fields are invalid";
        }
        return errors.getFirst().field() + " "
                + String.join("; ", errors.stream().map(FieldProblem::message).toList());
    }
}
