package dev.tempora.support;

/** One invalid part of a request: the field (or query parameter) and what is wrong with it. */
public record FieldProblem(String field, String message) {}
