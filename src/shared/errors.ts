/** One error type for everything a caller can be told; mapped to the envelope in one place (api/envelope.ts). */
export type ErrorCode =
  | "VALIDATION_ERROR"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "TASK_NOT_FOUND"
  | "REPO_NOT_ONBOARDED"
  | "INVALID_TRANSITION"
  | "TASK_TERMINAL"
  | "TASK_ENDED"
  | "TASK_CANCELLED"
  | "TASK_TIMED_OUT"
  | "TOKEN_REVOKED"
  | "PAYLOAD_TOO_LARGE"
  | "RATE_LIMIT_EXCEEDED"
  | "REQUEST_NOT_FOUND"
  | "REQUEST_ALREADY_DECIDED"
  | "TASK_NOT_AWAITING_APPROVAL"
  | "CONFLICT"
  | "SERVICE_UNAVAILABLE"
  | "INTERNAL_ERROR";

export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Serializable failure returned by Durable Object RPC methods (thrown errors lose their fields over RPC). */
export interface Failure {
  ok: false;
  code: ErrorCode;
  status: AppError["status"];
  message: string;
  /** Facts a caller acts on (e.g. the status an approval already has), so nobody parses `message`. */
  detail?: FailureDetail;
}

export interface FailureDetail {
  /** REQUEST_ALREADY_DECIDED: the status the approval already has. */
  approval_status?: string;
}
export type Result<T> = { ok: true; data: T } | Failure;

export const fail = (code: ErrorCode, status: AppError["status"], message: string, detail?: FailureDetail): Failure =>
  detail ? { ok: false, code, status, message, detail } : { ok: false, code, status, message };
export const ok = <T>(data: T): Result<T> => ({ ok: true, data });

/** Turn an RPC result back into a value or a thrown AppError at the edge. */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.data;
  throw new AppError(r.code, r.status, r.message);
}
