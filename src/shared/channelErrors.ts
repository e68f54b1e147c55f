/** How a channel call failed: retry later (optionally after a hinted delay), or give up for good. */
export class RetryableError extends Error {
  override name = "RetryableError";
  constructor(
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export class PermanentError extends Error {
  override name = "PermanentError";
}

/**
 * Permanent until an operator acts (a permission, a missing installation or issue, a locked issue):
 * the message is dead-lettered at once with this reason rather than retried for nothing, and can be
 * replayed once fixed.
 */
export class UndeliverableError extends PermanentError {
  override name = "UndeliverableError";
}

/** Seconds from a Retry-After header (seconds or HTTP date); undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
