/** ISO-8601 UTC with millisecond precision; every stored timestamp uses this form. */
export const iso = (ms: number = Date.now()): string => new Date(ms).toISOString();
