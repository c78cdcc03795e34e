package dev.tempora.task.web;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The body of {@code POST /tasks/batch}, for the API documentation only: the controller reads it
 * as a tree ({@link SubmitRequestParser#parseBatch}), to report every problem at once.
 */
@Schema(
        description = "Up to 1,000 submissions, stored all or none",
        additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record SubmitBatchRequest(
        @ArraySchema(
                minItems = 1,
                maxItems = SubmitRequestParser.MAX_BATCH,
                schema = @Schema(implementation = SubmitTaskRequest.class),
                arraySchema = @Schema(requiredMode = Schema.RequiredMode.REQUIRED))
        List<SubmitTaskRequest> tasks) {}
