/**
 * Bearer authentication. Kinds: admin (the ADMIN_TOKEN secret), user and runner (D1, hashed),
 * task (bgt_<task>_<secret>, verified by the task's own DO on every call).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { digestsEqual, sha256Hex } from "../shared/crypto";
import { AppError } from "../shared/errors";
import { taskIdOfToken } from "../shared/tokens";
import type { Actor } from "../shared/types";
import { findToken } from "../store/tokens";

const BEARER = /^Bearer\s+(\S+)$/i;

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const m = BEARER.exec(c.req.header("authorization") ?? "");
  if (!m) throw new AppError("UNAUTHORIZED", 401, "Missing bearer token (Authorization: Bearer <token>).");
  const token = m[1];
  const hash = await sha256Hex(token);
  const taskId = taskIdOfToken(token);
  let actor: Actor | null = null;
  if (taskId) {
    actor = { kind: "task", task_id: taskId, token_hash: hash };
  } else if (c.env.ADMIN_TOKEN && digestsEqual(hash, await sha256Hex(c.env.ADMIN_TOKEN))) {
    actor = { kind: "admin" };
  } else {
    const row = await findToken(c.env.DB, hash);
    if (row && !row.revoked_at) {
      actor =
        row.kind === "user" ? { kind: "user", user_id: row.subject_id } : { kind: "runner", runner_id: row.subject_id, token_hash: hash };
    }
  }
  if (!actor) throw new AppError("UNAUTHORIZED", 401, "Invalid or revoked token.");
  c.set("actor", actor);
  await next();
};

/** Only these kinds of caller may use the route; others get 403. */
export const allow =
  (...kinds: Actor["kind"][]): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const actor = c.get("actor");
    if (!kinds.includes(actor.kind)) {
      throw new AppError("FORBIDDEN", 403, `This route is for ${kinds.join(" or ")} tokens.`);
    }
    await next();
  };

export function userId(actor: Actor): string {
  if (actor.kind !== "user") throw new AppError("FORBIDDEN", 403, "This route is for user tokens.");
  return actor.user_id;
}
