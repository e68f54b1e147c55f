/** The one place errors become HTTP: {"error":{"code","message","request_id"}}; success is {"data":...}. */
import type { ErrorHandler } from "hono";
import type { AppEnv } from "../env";
import { AppError, type Result, unwrap } from "../shared/errors";
import { errorBody } from "../shared/http";
import { log } from "../shared/log";
import type { AppContext } from "./context";

export const respond = <T>(c: AppContext, data: T, status: 200 | 201 | 202 = 200) => c.json({ data }, status);

/** Unwrap a TaskDO result and respond, or throw its failure into onError. */
export const respondResult = <T>(c: AppContext, r: Result<T>, status: 200 | 201 | 202 = 200) => respond(c, unwrap(r), status);

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get("requestId") ?? "";
  if (err instanceof AppError) {
    return c.json(errorBody(err.code, err.message, requestId), err.status);
  }
  log("api.unhandled_error", { request_id: requestId, path: c.req.path, error: String(err) }, "error");
  return c.json(errorBody("INTERNAL_ERROR", "Internal error.", requestId), 500);
};
