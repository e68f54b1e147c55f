import { monotonicFactory } from "ulid";

const next = monotonicFactory();

/** 26-char ULID: sortable by creation time, which the event log relies on. */
export const newId = (): string => next();

/** A ULID as a regular expression source, for patterns that embed ids (tokens, Slack action ids). */
export const ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}";
const ULID_RE = new RegExp(`^${ULID_PATTERN}$`);
export const isUlid = (s: string): boolean => ULID_RE.test(s);
