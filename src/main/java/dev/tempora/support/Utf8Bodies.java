package dev.tempora.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
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
 * as RFC 3629 does. Bodies are small (at most {@code tempora.api.max-body-size}); this reads each
 * once more.
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
        var malformed = firstMalformedByte(bytes);
        if (malformed.isPresent()) {
            throw new HttpMessageNotReadableException(
                    "Request body is not UTF-8", new NotUtf8Exception(malformed.getAsInt()), input);
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

    /** Where {@code bytes} stop being well-formed UTF-8, if they do. */
    static OptionalInt firstMalformedByte(byte[] bytes) {
        var in = ByteBuffer.wrap(bytes);
        var result = StandardCharsets.UTF_8.newDecoder().decode(in, CharBuffer.allocate(bytes.length), true);
        return result.isError() ? OptionalInt.of(in.position()) : OptionalInt.empty();
    }

    /** Bytes of a body that are not UTF-8, from offset {@code offset} on. */
    static final class NotUtf8Exception extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        NotUtf8Exception(int offset) {
            super("its bytes are not UTF-8 from byte %d on (the first is byte 1)".formatted(offset + 1));
        }
    }
}
