package dev.tempora.live;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/** Puts the ETag that {@link ConditionalGets} computed on successful answers, never on problems. */
@ControllerAdvice
class ConditionalGetHeaders implements ResponseBodyAdvice<Object> {

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public @Nullable Object beforeBodyWrite(
            @Nullable Object body,
            MethodParameter returnType,
            MediaType contentType,
            Class<? extends HttpMessageConverter<?>> converterType,
            ServerHttpRequest request,
            ServerHttpResponse response) {
        if (!(body instanceof ProblemDetail)
                && request instanceof ServletServerHttpRequest servlet
                && servlet.getServletRequest().getAttribute(ConditionalGets.ETAG) instanceof String etag) {
            response.getHeaders().set(HttpHeaders.ETAG, etag);
            response.getHeaders().set(HttpHeaders.CACHE_CONTROL, ConditionalGets.CACHE_CONTROL);
        }
        return body;
    }
}
