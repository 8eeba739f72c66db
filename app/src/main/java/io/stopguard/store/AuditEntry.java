package io.stopguard.store;

/**
 * One audit-log row. {@code actor}: who acted ({@code cli:<os user>}, {@code watch}, {@code api});
 * {@code action}: place / modify / cancel; {@code result}: ok, or the error code.
 */
public record AuditEntry(String actor, String action, String userId, String symbol, String holdSide, String planType,
    String triggerPrice, String size, String orderId, String clientOid, String result, String detail) {}
