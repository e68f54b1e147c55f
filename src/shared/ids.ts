import { monotonicFactory } from "ulid";

const next = monotonicFactory();

/** 26-char ULID: sortable by creation time, which the event log relies on. */
export const newId = (): string => next();

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isUlid = (s: string): boolean => ULID_RE.test(s);
