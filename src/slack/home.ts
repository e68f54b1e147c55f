/**
 * The App Home tab of one person: what it shows (loaded from D1) and publishing it with
 * views.publish. Published when the person opens the tab, after their clicks on it, and by the
 * dispatcher when one of their tasks or approvals changes (src/dispatch/home.ts).
 */
import type { Env } from "../env";
import { TASK_STATUSES, TERMINAL_STATUSES } from "../shared/taskStatus";
import { pendingDecidableBy } from "../store/approvals";
import { userTasksIn } from "../store/tasks";
import { approvableSeverities } from "./blocks/approvalCard";
import { type HomeData, homeView } from "./blocks/homeView";
import { botApi } from "./reply";

const ACTIVE = TASK_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

export async function loadHome(db: D1Database, userId: string | null, now = Date.now()): Promise<HomeData> {
  if (!userId) return { linked: false };
  const [pending, active, finished] = await Promise.all([
    // what they may decide: their own tasks' and, as approver, their repos'; expired ones dropped
    pendingDecidableBy(db, userId, 100, now),
    userTasksIn(db, userId, ACTIVE, 50),
    userTasksIn(db, userId, TERMINAL_STATUSES, 5),
  ]);
  return { linked: true, user_id: userId, pending, active, finished };
}

/** Publish the home of Slack user `slackUserId` (linked to `userId`, or not). Slack errors are thrown. */
export async function publishHome(env: Env, slackUserId: string, userId: string | null, notice?: string): Promise<void> {
  const view = homeView(await loadHome(env.DB, userId), approvableSeverities(env), notice);
  await botApi(env).call("views.publish", { user_id: slackUserId, view });
}
