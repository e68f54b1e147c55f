/**
 * Runner claims, pushed rather than polled: a claim call takes the oldest claimable task D1 lists
 * for the runner; if there is none it parks in its pool's RunnerPoolDO, which hands it a task the
 * moment one is submitted. The task's own DO decides every claim (SUBMITTED -> HYDRATING once), so
 * two runners offered the same task can never both get it. D1 queries per call: the token (auth),
 * one for the runner's limits and candidates, and one more only when a task was claimed.
 */
import type { Env } from "../env";
import { AppError, unwrap } from "../shared/errors";
import { log } from "../shared/log";
import type { Actor, TaskView } from "../shared/types";
import { runnerPoolGlobs } from "../store/principals";
import { claimCandidates } from "../store/tasks";
import { findToken } from "../store/tokens";
import { type Offer, poolKey, repoMatches } from "./pool";
import { taskStub } from "./service";

type Runner = Extract<Actor, { kind: "runner" }>;
export interface Claimed {
  task: TaskView;
  task_token: string;
}

/** How many D1 candidates one call tries (others may be claiming the same ones). */
const CANDIDATES = 5;

const poolStub = (env: Env, globs: string[] | null) => env.RUNNER_POOLS.get(env.RUNNER_POOLS.idFromName(poolKey(globs)));

/** A task for `runner`, waiting up to `waitS` seconds for one to be submitted; null when none came. */
export async function claimNext(env: Env, runner: Runner, waitS: number): Promise<Claimed | null> {
  const deadline = Date.now() + waitS * 1000;
  const found = await claimCandidates(env.DB, runner.runner_id, CANDIDATES);
  if (!found) throw new AppError("UNAUTHORIZED", 401, "Invalid or revoked token.");
  for (const id of found.ids) {
    const claimed = await claimOne(env, runner, id);
    if (claimed) return claimed;
  }
  const pool = poolStub(env, found.globs);
  for (let left = deadline - Date.now(); left > 0; left = deadline - Date.now()) {
    const offer = await pool.wait(left).catch((err) => {
      // e.g. the pool was reset mid-wait: a 5xx, so the runner backs off rather than calls again at once.
      log("claims.pool_failed", { runner_id: runner.runner_id, error: String(err) }, "warn");
      throw new AppError("SERVICE_UNAVAILABLE", 503, "The runner pool is unavailable; retry shortly.");
    });
    if (!offer) return null;
    try {
      // The pool only holds tasks its runners may take; checked again here, as the limits are a security boundary.
      const claimed = repoMatches(found.globs, offer.repo) ? await claimOne(env, runner, offer.task_id) : null;
      if (claimed) return claimed;
    } finally {
      // Best effort: a settle that does not arrive only lets the lease run out (the task's DO still decides).
      await pool.settle(offer.task_id).catch((err) => log("claims.settle_failed", { task_id: offer.task_id, error: String(err) }, "warn"));
    }
  }
  return null;
}

async function claimOne(env: Env, runner: Runner, taskId: string): Promise<Claimed | null> {
  const claimed = unwrap(await taskStub(env, taskId).claim(runner.runner_id));
  if (!claimed) return null;
  // The runner's tokens may have been revoked while this call waited. Revocation writes the
  // tokens first, then revokes the live tasks D1 lists for the runner; the claim has written its
  // record by now (unless D1 failed and the outbox still retries), so checking after it closes the gap.
  const row = await findToken(env.DB, runner.token_hash);
  if (!row || row.revoked_at) {
    await taskStub(env, taskId).revokeToken(runner.runner_id);
    throw new AppError("UNAUTHORIZED", 401, "Invalid or revoked token.");
  }
  return claimed;
}

/**
 * The runner pools a task of `repo` may go to (read while the task is being created, to save a
 * round trip). Best effort, like the offer: a pool that misses a task costs latency only, as the
 * next claim call reads D1 first.
 */
export function poolsFor(env: Env, repo: string): Promise<Array<string[] | null>> {
  return runnerPoolGlobs(env.DB).then(
    (all) => all.filter((g) => repoMatches(g, repo)),
    (err) => {
      log("claims.pools_unreadable", { repo, error: String(err) }, "warn");
      return [];
    },
  );
}

/** A task was just submitted: offer it to each of `pools` (see poolsFor), where a waiting runner takes it at once. */
export async function offerToPools(
  env: Env,
  task: Pick<TaskView, "task_id" | "repo" | "status">,
  pools: Array<string[] | null>,
): Promise<void> {
  if (task.status !== "SUBMITTED") return;
  const offer: Offer = { task_id: task.task_id, repo: task.repo };
  await Promise.all(
    pools.map((g) =>
      poolStub(env, g)
        .offer(offer)
        .catch((err) => log("claims.offer_failed", { task_id: task.task_id, error: String(err) }, "warn")),
    ),
  );
}
