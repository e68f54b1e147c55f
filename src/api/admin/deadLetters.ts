/**
 * GET  /v1/admin/dead-letters?limit=      what the dispatcher gave up on, newest first
 * POST /v1/admin/dead-letters/{id}/replay send it to DISPATCH again (idempotent per delivery)
 */
import { z } from "zod";
import { AppError } from "../../shared/errors";
import type { DispatchMessage } from "../../shared/types";
import { getDeadLetter, listDeadLetters, markReplayed } from "../../store/deadLetters";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Query = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export async function listDeadLettersRoute(c: AppContext) {
  const { limit } = parseQuery(c, Query);
  return respond(c, { dead_letters: await listDeadLetters(c.env.DB, limit) });
}

export async function replayDeadLetterRoute(c: AppContext) {
  const id = c.req.param("id") ?? "";
  const dl = await getDeadLetter(c.env.DB, id);
  if (!dl) throw new AppError("NOT_FOUND", 404, `No dead letter ${id}.`);
  await c.env.DISPATCH.send(dl.message as DispatchMessage);
  await markReplayed(c.env.DB, id);
  return respond(c, { id, replayed: true }, 202);
}
