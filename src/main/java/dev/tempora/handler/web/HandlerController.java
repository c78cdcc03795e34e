package dev.tempora.handler.web;

import dev.tempora.handler.HandlerRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The registered handlers. */
@RestController
@Tag(name = "Handlers")
class HandlerController {

    private final HandlerRegistry handlers;

    HandlerController(HandlerRegistry handlers) {
        this.handlers = handlers;
    }

    record HandlerView(String name, String description) {}

    @GetMapping(path = "/api/v1/handlers", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The registered handlers")
    List<HandlerView> handlers() {
        return handlers.all().stream()
                .map(handler -> new HandlerView(handler.name(), handler.description()))
                .toList();
    }
}
