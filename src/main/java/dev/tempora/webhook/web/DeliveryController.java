package dev.tempora.webhook.web;

import dev.tempora.support.NotFoundException;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskNotFoundException;
import dev.tempora.webhook.Deliveries;
import dev.tempora.webhook.DeliveryView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** A task's webhook deliveries with their attempts, and redelivering one. */
@RestController
@RequestMapping(path = "/api/v1", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "Webhooks")
class DeliveryController {

    private final Deliveries deliveries;

    DeliveryController(Deliveries deliveries) {
        this.deliveries = deliveries;
    }

    @GetMapping("/tasks/{id}/deliveries")
    @Operation(summary = "The task's webhook deliveries, each with every attempt")
    @ApiResponse(responseCode = "200", description = "The deliveries, oldest first")
    @ApiResponse(
            responseCode = "404",
            description = "No such task",
            content = @Content(mediaType = "application/problem+json"))
    List<DeliveryView> ofTask(@PathVariable String id) {
        var taskId = TaskId.parse(id).orElseThrow(() -> new TaskNotFoundException(id));
        return deliveries.ofTask(taskId).orElseThrow(() -> new TaskNotFoundException(id));
    }

    @PostMapping("/deliveries/{id}/redeliver")
    @Operation(summary = "Send a delivery again now, with the same webhook-id")
    @ApiResponse(responseCode = "202", description = "Due now; the delivery as it stands")
    @ApiResponse(
            responseCode = "404",
            description = "No such delivery",
            content = @Content(mediaType = "application/problem+json"))
    ResponseEntity<DeliveryView> redeliver(@PathVariable String id) {
        var deliveryId = TaskId.parse(id).map(TaskId::value).orElse(null);
        return ResponseEntity.accepted()
                .body(deliveries
                        .redeliver(deliveryId == null ? new UUID(0, 0) : deliveryId)
                        .orElseThrow(() -> new NotFoundException("No delivery has id " + id)));
    }
}
