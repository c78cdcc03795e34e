package dev.tempora.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;

/**
 * Refuses a request body sent as UTF-8 (JSON's encoding; what is sent without a charset) whose
 * bytes are not: a {@code 400} on {@code body}. Jackson's parser decodes overlong forms ({@code C1
 * AF} as "o", {@code C0 80} as U+0000) and sequences past U+10FFFF without complaint, so a handler
 * named {@code "ech\xC1\xAF"} ran as {@code echo} (found by review). The JDK's decoder refuses them,
 * as RFC 3629 does. A NUL byte is refused too: JSON has none outside a string, nor inside one
 * unescaped, and the parser took a body with them for UTF-16 or UTF-32 (RFC 8259: UTF-8 only) and
 * read it so, while one with a byte-order mark was refused. Bodies are small (at most {@code
 * tempora.api.max-body-size}); this reads each once more.
 */
@ControllerAdvice
class Utf8Bodies extends RequestBodyAdviceAdapter {

    @Override
    public boolean supports(
            MethodParameter parameter, Type targetType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public HttpInputMessage beforeBodyRead(
            HttpInputMessage input,
            MethodParameter parameter,
            Type targetType,
            Class<? extends HttpMessageConverter<?>> converterType)
            throws IOException {
        var type = input.getHeaders().getContentType();
        var charset = type == null ? null : type.getCharset();
        if (charset != null && !charset.equals(StandardCharsets.UTF_8)) {
            return input; // read in the charset it names
        }
        var bytes = input.getBody().readAllBytes();
        var why = notUtf8Json(bytes);
        if (why.isPresent()) {
            throw new HttpMessageNotReadableException(
                    "Request body is not UTF-8", new NotUtf8Exception(why.get()), input);
        }
        var headers = input.getHeaders();
        return new HttpInputMessage() {
            @Override
            public InputStream getBody() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }
        };
    }

    /** Why {@code bytes} are not JSON's UTF-8, if they are not: where they stop being so. */
    static Optional<String> notUtf8Json(byte[] bytes) {
        int nul = 0;
        while (nul < bytes.length && bytes[nul] != 0) {
            nul++;
        }
        var in = ByteBuffer.wrap(bytes, 0, nul);
        var result = StandardCharsets.UTF_8.newDecoder().decode(in, CharBuffer.allocate(nul), true);
        if (result.isError()) {
            return Optional.of(
                    "its bytes are not UTF-8 from byte %d on (the first is byte 1)".formatted(in.position() + 1));
        }
        return nul < bytes.length
                ? Optional.of("byte %d is NUL, which JSON sent as UTF-8 never holds (UTF-16 or UTF-32 must say so"
                                .formatted(nul + 1)
                        + " in the Content-Type's charset)")
                : Optional.empty();
    }

    /** A body that is not UTF-8 JSON, and why. */
    static final class NotUtf8Exception extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        NotUtf8Exception(String why) {
            super(why);
        }
    }
}
