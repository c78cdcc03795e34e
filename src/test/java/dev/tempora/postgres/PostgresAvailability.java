package dev.tempora.postgres;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * In the {@code postgres-tests} run without a PostgreSQL to test with, skips every test, saying
 * why, instead of failing or silently testing H2 twice.
 */
public class PostgresAvailability implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!PostgresDatabase.selected()) {
            return ConditionEvaluationResult.enabled("the H2 run");
        }
        return PostgresDatabase.unavailable()
                .map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("PostgreSQL is available"));
    }
}
