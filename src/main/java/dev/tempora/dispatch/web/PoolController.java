package dev.tempora.dispatch.web;

import dev.tempora.dispatch.PoolStatus;
import dev.tempora.dispatch.WorkerPool;
import dev.tempora.dispatch.WorkerPools;
import dev.tempora.support.FieldProblem;
import dev.tempora.support.InvalidRequestException;
import dev.tempora.support.NotFoundException;
import dev.tempora.support.RequestBodies;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** The worker pools, and resizing them live. */
@RestController
@RequestMapping(path = "/api/v1/pools", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Pools")
class PoolController {

    private final WorkerPools pools;

    PoolController(WorkerPools pools) {
        this.pools = pools;
    }

    @GetMapping
    @Operation(summary = "Each pool's size and load")
    List<PoolStatus> pools() {
        return pools.all().stream().map(pool -> pool.status()).toList();
    }

    @GetMapping("/{name}")
    @Operation(summary = "One pool's size and load")
    @ApiResponse(responseCode = "200", description = "The pool")
    @ApiResponse(
            responseCode = "404",
            description = "No such pool",
            content = @Content(mediaType = "application/problem+json"))
    PoolStatus pool(@PathVariable String name) {
        return find(name).status();
    }

    @Schema(name = "PoolResize", additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
    record Resize(
            @Schema(
                    description = "Worker threads, 1 to 1024",
                    example = "8",
                    minimum = "1",
                    maximum = "1024",
                    requiredMode = Schema.RequiredMode.REQUIRED)
            int size) {}

    // {"size": N} is a JSON merge patch (RFC 7396) too, as clients of PATCH often label it.
    @PatchMapping(
            path = "/{name}",
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/merge-patch+json"})
    @Operation(
            summary = "Resize a pool's live ThreadPoolExecutor",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            content = @Content(schema = @Schema(implementation = Resize.class))))
    @ApiResponse(responseCode = "200", description = "The resized pool")
    @ApiResponse(
            responseCode = "400",
            description = "Invalid size",
            content = @Content(mediaType = "application/problem+json"))
    @ApiResponse(
            responseCode = "404",
            description = "No such pool",
            content = @Content(mediaType = "application/problem+json"))
    PoolStatus resize(@PathVariable String name, @RequestBody JsonNode body) {
        var pool = find(name);
        pool.resize(size(body));
        return pool.status();
    }

    private WorkerPool find(String name) {
        return pools.find(name).orElseThrow(() -> new NotFoundException("No pool is named " + name));
    }

    /** The new size, or every problem with the body: as for submissions, unknown fields are refused. */
    private static int size(JsonNode body) {
        var problems = RequestBodies.unknownFields(body, Set.of("size"));
        var size = RequestBodies.intValue(body.get("size"));
        if (size.isEmpty() || size.getAsInt() < 1 || size.getAsInt() > 1024) {
            problems.add(new FieldProblem("size", "must be an integer from 1 to 1024"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return size.getAsInt();
    }
}
