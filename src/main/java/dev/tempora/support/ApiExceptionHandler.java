package dev.tempora.support;

import dev.tempora.task.CancelMadeUnreadException;
import dev.tempora.task.NotDurableException;
import dev.tempora.task.NotReadyException;
import dev.tempora.task.SubmitOutcomeUnknownException;
import dev.tempora.task.TaskConflictException;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.AbstractJacksonHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;

/**
 * Turns every error into an RFC 9457 problem with a stable {@code type}. Client mistakes are 4xx
 * problems naming the field; anything else is a 500 that reveals nothing of the server's insides.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /**
     * Where the parser names its own settings and types, nothing a client can use: "(500, from `StreamReadConstraints...`)",
     * ": enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", "(bound as `...JsonNode`)",
     * ": not allowed as per `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`", "(`JsonToken.START_OBJECT`)".
     */
    private static final Pattern JACKSON_SETTING = Pattern.compile(
            ", from `[^`]*`|: (?:enable|not allowed as per) `[^`]*`(?: to allow)?| ?\\((?:bound as )?`[^`]*`\\)");

    /** Where the parser says where an object began, in its terms: "(start marker at [Source: REDACTED ...])". */
    private static final Pattern JACKSON_SOURCE = Pattern.compile(" ?\\(start marker at \\[Source: [^\\]]*\\]\\)");

    /** The field a problem of the query as a whole is reported on, where no parameter can be named. */
    private static final String WHOLE_QUERY = "query";

    @ExceptionHandler(InvalidRequestException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidRequestException invalid) {
        return ResponseEntity.badRequest().body(Problems.invalid(invalid.problems()));
    }

    @ExceptionHandler(TaskNotFoundException.class)
    ResponseEntity<ProblemDetail> taskNotFound(TaskNotFoundException notFound) {
        return Problems.response(HttpStatus.NOT_FOUND, "task-not-found", "Task not found", notFound.getMessage());
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NotFoundException notFound) {
        return Problems.response(HttpStatus.NOT_FOUND, "not-found", "Not found", notFound.getMessage());
    }

    @ExceptionHandler(TaskConflictException.class)
    ResponseEntity<ProblemDetail> conflict(TaskConflictException conflict) {
        var response = Problems.response(
                HttpStatus.CONFLICT, "task-state-conflict", "Not allowed in the task's state", conflict.getMessage());
        response.getBody().setProperty("state", conflict.task().state().name());
        return response;
    }

    /** Committed, but not confirmed on disk: unlike {@code database-unavailable}, something changed. */
    @ExceptionHandler(NotDurableException.class)
    ResponseEntity<ProblemDetail> notDurable(NotDurableException notDurable) {
        log.error("Not confirmed on disk: {}", notDurable.getMessage(), notDurable.getCause());
        var response = Problems.response(
                HttpStatus.SERVICE_UNAVAILABLE,
                "not-durable",
                "Stored, but not confirmed on disk",
                notDurable.getMessage());
        response.getBody()
                .setProperty(
                        "taskIds",
                        notDurable.taskIds().stream().map(TaskId::toString).toList());
        return response;
    }

    /**
     * A cancel made, its task not read back: unlike {@code database-unavailable}, something changed.
     * An {@code outcome-unknown} to the client, whose answer (the task) is missing: it reads the task
     * it names before it repeats the cancel, as after a lost commit, and finds it CANCELLED.
     */
    @ExceptionHandler(CancelMadeUnreadException.class)
    ResponseEntity<ProblemDetail> cancelMadeUnread(CancelMadeUnreadException unread) {
        var response = outcomeUnknown(unread, unread.getMessage());
        response.getBody().setProperty("taskIds", List.of(unread.taskId().toString()));
        return response;
    }

    @ExceptionHandler(NotReadyException.class)
    ResponseEntity<ProblemDetail> notReady(NotReadyException notReady) {
        log.warn("Not ready: {}", notReady.getMessage());
        return tryAgainShortly("not-ready", "Instance not ready", notReady.getMessage());
    }

    /**
     * The connection was lost at the commit: unlike {@code database-unavailable}, the change may have
     * been made. The submission's answer names its tasks, to read before submitting again.
     */
    @ExceptionHandler(SubmitOutcomeUnknownException.class)
    ResponseEntity<ProblemDetail> submitOutcomeUnknown(SubmitOutcomeUnknownException unknown) {
        var response = outcomeUnknown(unknown, unknown.getMessage());
        response.getBody()
                .setProperty(
                        "taskIds",
                        unknown.taskIds().stream().map(TaskId::toString).toList());
        return response;
    }

    @ExceptionHandler(CommitOutcomeUnknownException.class)
    ResponseEntity<ProblemDetail> outcomeUnknown(CommitOutcomeUnknownException unknown) {
        return outcomeUnknown(
                unknown,
                "The connection to the database was lost while committing: the change may or may not have"
                        + " been made. Read before repeating it.");
    }

    private ResponseEntity<ProblemDetail> outcomeUnknown(Exception unknown, String detail) {
        log.warn(
                "Outcome unknown: {}",
                unknown.getCause() == null ? unknown : unknown.getCause().toString());
        return tryAgainShortly("outcome-unknown", "Outcome unknown: the database went away", detail);
    }

    /** A 503 problem with {@code Retry-After: 5}: the database is expected back soon. */
    private static ResponseEntity<ProblemDetail> tryAgainShortly(String slug, String title, String detail) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "5")
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.problem(HttpStatus.SERVICE_UNAVAILABLE, slug, title, detail));
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ResponseEntity<ProblemDetail> tooLarge(PayloadTooLargeException tooLarge) {
        return Problems.response(
                HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Request body too large", tooLarge.getMessage());
    }

    /**
     * A query Tomcat cannot decode ({@code ?limit=%ZZ}, {@code ?handler=%FF}): it then refuses to
     * read any parameter, so this comes from wherever the first one is read. The request itself is
     * malformed, as an encoded {@code /} in its path is ({@link ContainerErrors}); the parameter is
     * named as sent.
     */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<ProblemDetail> malformedQuery(InvalidParameterException malformed, HttpServletRequest request) {
        var problem =
                malformedParameter(request.getQueryString()).orElse(new FieldProblem(WHOLE_QUERY, "could not be read"));
        var response = Problems.response(
                HttpStatus.BAD_REQUEST,
                "malformed-request",
                "Malformed request",
                (problem.field().equals(WHOLE_QUERY) ? "The query " : "Query parameter " + problem.field() + " ")
                        + problem.message());
        response.getBody().setProperty("errors", List.of(problem));
        return response;
    }

    /**
     * What Tomcat cannot read in {@code query}: the first parameter whose name or value is not
     * percent-encoded UTF-8, by its name (as written, when the name itself cannot be decoded), or a
     * value without a name ({@code ?=x}), reported on the query as a whole for want of one.
     */
    static Optional<FieldProblem> malformedParameter(@Nullable String query) {
        if (query == null) {
            return Optional.empty();
        }
        for (var pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue; // "&&": Tomcat skips it
            }
            int equals = pair.indexOf('=');
            var name = equals < 0 ? pair : pair.substring(0, equals);
            var value = equals < 0 ? "" : pair.substring(equals + 1);
            var unreadable = undecodable(name);
            if (unreadable.isPresent()) {
                return Optional.of(new FieldProblem(name, unreadable.get()));
            }
            if (name.isEmpty()) {
                return Optional.of(new FieldProblem(
                        WHOLE_QUERY, "has a value without a parameter name (a parameter begins with '=')"));
            }
            unreadable = undecodable(value);
            if (unreadable.isPresent()) {
                return Optional.of(new FieldProblem(URLDecoder.decode(name, StandardCharsets.UTF_8), unreadable.get()));
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code text} cannot be decoded as Tomcat decodes a query, percent-encoded UTF-8, if it
     * cannot: a malformed escape ({@code %ZZ}), or well-formed ones of bytes that are not UTF-8
     * ({@code %FF}, which Java's own decoder would quietly turn into U+FFFD).
     */
    private static Optional<String> undecodable(String text) {
        if (!MalformedPathFilter.wellEscaped(text)) {
            return Optional.of("is not valid percent-encoding: each % must be followed by two hexadecimal digits");
        }
        var bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                continue;
            }
            bytes.write(Integer.parseInt(text, i + 1, i + 3, 16));
            i += 2;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray()));
        } catch (CharacterCodingException notUtf8) {
            return Optional.of("is not valid percent-encoding: the bytes it encodes are not UTF-8");
        }
        return Optional.empty();
    }

    /** The database is out of reach ({@link DatabaseErrors}): a temporary condition, not a fault of the request. */
    private ResponseEntity<ProblemDetail> databaseUnavailable(Exception error) {
        log.warn("Database unavailable: {}", error.toString());
        return tryAgainShortly(
                "database-unavailable",
                "Database unavailable",
                "The database cannot be reached right now; nothing was changed. Try again shortly.");
    }

    /**
     * A number no decimal can hold (an exponent beyond an {@code int}: {@code 0.1e-2147483647}) in a
     * request body: Jackson throws a {@link NumberFormatException} there, not one of its own
     * exceptions, so Spring does not take it for unreadable JSON. Elsewhere it is a server fault.
     */
    @ExceptionHandler(NumberFormatException.class)
    ResponseEntity<ProblemDetail> numberOutOfRange(NumberFormatException error) {
        if (!readingRequestBody(error)) {
            return unexpected(error);
        }
        return notJson("a number's exponent is beyond the range of a decimal (an int)");
    }

    private static boolean readingRequestBody(Throwable error) {
        for (var frame : error.getStackTrace()) {
            if (frame.getClassName().equals(AbstractJacksonHttpMessageConverter.class.getName())
                    && frame.getMethodName().equals("read")) {
                return true;
            }
        }
        return false;
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception error) {
        if (DatabaseErrors.unreachable(error)) {
            return databaseUnavailable(error);
        }
        log.error("Unexpected error", error);
        return Problems.internalError();
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException unreadable,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        for (Throwable cause = unreadable; cause != null; cause = cause.getCause()) {
            if (cause instanceof PayloadTooLargeException tooLarge) {
                return cast(tooLarge(tooLarge));
            }
            if (cause instanceof Utf8Bodies.NotUtf8Exception notUtf8) {
                return cast(notJson(notUtf8.getMessage()));
            }
        }
        return cast(notJson(brief(unreadable)));
    }

    /** 400 on {@code body}: it could not be read as JSON, for {@code why}. */
    private static ResponseEntity<ProblemDetail> notJson(String why) {
        return ResponseEntity.badRequest()
                .body(Problems.invalid(List.of(new FieldProblem("body", "is not valid JSON: " + why))));
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleNoResourceFoundException(
            NoResourceFoundException notFound, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        // Spring says "No static resource api/v1/nothing.": an API client looked for an endpoint.
        if (request instanceof ServletWebRequest servlet) {
            notFound.getBody()
                    .setDetail("No endpoint %s %s"
                            .formatted(
                                    notFound.getHttpMethod(),
                                    servlet.getRequest().getRequestURI()));
        }
        return super.handleNoResourceFoundException(notFound, headers, status, request);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpRequestMethodNotSupported(
            HttpRequestMethodNotSupportedException notSupported,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        // Spring's Allow lists the mapped methods only, where OPTIONS answers with HEAD and OPTIONS
        // too: both now say the same, and the detail names them.
        var supported = notSupported.getSupportedHttpMethods();
        var allowed = supported == null ? Set.<HttpMethod>of() : allowed(supported);
        if (!allowed.isEmpty()) {
            headers.setAllow(allowed);
        }
        if (request instanceof ServletWebRequest servlet && !allowed.isEmpty()) {
            notSupported
                    .getBody()
                    .setDetail("%s is not supported on %s; it takes %s"
                            .formatted(
                                    notSupported.getMethod(),
                                    servlet.getRequest().getRequestURI(),
                                    allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "))));
        }
        return super.handleHttpRequestMethodNotSupported(notSupported, headers, status, request);
    }

    /** What OPTIONS answers for a path mapped to {@code supported}: those, HEAD where GET is, and OPTIONS. */
    static Set<HttpMethod> allowed(Collection<HttpMethod> supported) {
        var allowed = new LinkedHashSet<HttpMethod>(supported);
        if (allowed.contains(HttpMethod.GET)) {
            allowed.add(HttpMethod.HEAD);
        }
        allowed.add(HttpMethod.OPTIONS);
        return allowed;
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMediaTypeNotSupported(
            HttpMediaTypeNotSupportedException unsupported,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        var sent = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (sent == null || sent.isBlank()) { // Spring says "Content-Type 'null' is not supported."
            unsupported
                    .getBody()
                    .setDetail("The body must be sent with Content-Type: application/json; this one has none.");
        }
        return super.handleHttpMediaTypeNotSupported(unsupported, headers, status, request);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException mismatch, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        var field = mismatch instanceof MethodArgumentTypeMismatchException argument
                ? argument.getName()
                : mismatch.getPropertyName();
        var type = mismatch.getRequiredType();
        var expected = type == null
                ? "a valid value"
                : type == Integer.class || type == int.class || type == Long.class || type == long.class
                        ? "an integer"
                        : "a " + type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
        return cast(ResponseEntity.badRequest()
                .body(Problems.invalid(List.of(new FieldProblem(field, "must be " + expected)))));
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleMissingServletRequestParameter(
            MissingServletRequestParameterException missing,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        return cast(ResponseEntity.badRequest()
                .body(Problems.invalid(List.of(new FieldProblem(missing.getParameterName(), "is required")))));
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(
            @Nullable Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        // Spring's own problems (405, 406, 415, an unknown path's 404) come without a type, or
        // with about:blank: each gets a stable one from its status, e.g. method-not-allowed.
        if (body instanceof ProblemDetail problem
                && (problem.getType() == null || URI.create("about:blank").equals(problem.getType()))) {
            problem.setType(Problems.type(Problems.slug(status)));
        }
        return super.createResponseEntity(body, headers, status, request);
    }

    /** What the JSON parser objects to, without the server's class names or source positions. */
    private static String brief(HttpMessageNotReadableException unreadable) {
        if (unreadable.getMostSpecificCause() instanceof JacksonException parser) {
            var message = parser.getOriginalMessage();
            if (message.startsWith("No content to map")) {
                return "it holds no JSON value, only white space"; // Jackson's words for it name its API
            }
            int newline = message.indexOf('\n');
            var line = newline > 0 ? message.substring(0, newline) : message;
            // "exceeds the maximum allowed (500, from `StreamReadConstraints.getMaxNestingDepth()`)"
            var brief = JACKSON_SOURCE
                    .matcher(JACKSON_SETTING.matcher(line).replaceAll(""))
                    .replaceAll("");
            var location = parser.getLocation();
            return location == null || location.getLineNr() < 1
                    ? brief
                    : "%s (line %d, column %d)".formatted(brief, location.getLineNr(), location.getColumnNr());
        }
        return "the body is missing or unreadable";
    }

    @SuppressWarnings("unchecked")
    private static ResponseEntity<Object> cast(ResponseEntity<?> response) {
        return (ResponseEntity<Object>) response;
    }
}
