/**
 * GitHub: one comment per task on its issue or PR, created on the first event and edited in
 * place after (PATCH; 404 -> create again). 401/403/429/5xx/network retry (honouring
 * retry-after and x-ratelimit-reset); other 4xx are dropped.
 */
import type { Env } from "../env";
import { PermanentError, RetryableError, retryAfterSeconds } from "../shared/channelErrors";
import { type Outcome, skipped } from "../shared/outcome";
import type { DispatchMessage, TaskEvent, TaskView } from "../shared/types";
import { claimComment, commentOf, saveComment } from "../store/githubComments";

const MAX_BODY = 60_000;
const CLAIM_STALE_MS = 30_000;

const commentMarker = (taskId: string) => `<!-- bgagent:task-id=${taskId} -->`;

const longestRun = (s: string, ch: string): number => Math.max(0, ...[...s.matchAll(new RegExp(`\\${ch}+`, "g"))].map((m) => m[0].length));

/**
 * Agent-written text inline: a code span (no mention, link, autolink or image renders inside
 * one), delimited by more backticks than any run in the text so the text cannot close it.
 */
export function mdCode(text: string): string {
  const s = text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\u2223");
  const fence = "`".repeat(longestRun(s, "`") + 1);
  return `${fence} ${s} ${fence}`;
}

/** Agent-written text as a block: a fenced code block whose fence the text cannot close. */
export function mdFence(text: string): string {
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  return `${fence}text\n${text}\n${fence}`;
}

export function renderComment(t: TaskView, e: TaskEvent): string {
  const started = t.started_at ?? t.created_at;
  const end = t.completed_at ?? e.created_at;
  const rows = [
    ["Task", `\`${t.task_id}\``],
    ["Repo", `\`${t.repo}\``],
    ["Status", `**${t.status}**`],
    ["Last event", `\`${e.event_type}\` @ ${e.created_at}`],
    // Validated on the way in (an https URL of this repo); shown as code all the same.
    ["Pull request", t.pr_url ? mdCode(t.pr_url) : "—"],
    ["Duration", `${Math.max(0, Math.round((Date.parse(end) - Date.parse(started)) / 1000))}s`],
    ["Cost", typeof t.cost_usd === "number" ? `$${t.cost_usd.toFixed(4)}` : "—"],
  ];
  const body = [
    commentMarker(t.task_id),
    `### Background agent — ${t.status}`,
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`),
    ...(e.event_type === "gate_tampered"
      ? [
          "",
          `**Gate tampered with**: the agent changed its hook files${typeof e.metadata.file === "string" ? ` (${mdCode(e.metadata.file.slice(0, 100))})` : ""}; the runner stopped it.`,
        ]
      : []),
    ...(t.error_message ? ["", "Error:", mdFence(t.error_message)] : []),
  ].join("\n");
  return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY - 50)}\n…(truncated — body exceeded 60 000 chars)` : body;
}

async function gh(env: Env, method: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(
      new URL(path.replace(/^\//, ""), env.GITHUB_API_BASE_URL.endsWith("/") ? env.GITHUB_API_BASE_URL : `${env.GITHUB_API_BASE_URL}/`),
      {
        method,
        headers: {
          authorization: `Bearer ${env.GITHUB_TOKEN}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          "user-agent": "bgagent",
          "content-type": "application/json",
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      },
    );
  } catch (err) {
    throw new RetryableError(`github ${method} ${path}: ${err instanceof Error ? err.name : "network error"}`);
  }
  if (res.status === 404) return { status: 404, json: {} };
  if ([401, 403, 429].includes(res.status) || res.status >= 500) {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    const hinted =
      retryAfterSeconds(res.headers.get("retry-after")) ?? (reset ? Math.max(0, reset - Math.floor(Date.now() / 1000)) : undefined);
    throw new RetryableError(`github ${method} ${path}: HTTP ${res.status}`, hinted);
  }
  if (res.status >= 400) throw new PermanentError(`github ${method} ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function githubDispatcher(msg: DispatchMessage, env: Env): Promise<Outcome> {
  const { task, event } = msg;
  if (!env.GITHUB_TOKEN) return skipped("GITHUB_TOKEN is not set");
  if (task.issue_number === null) return skipped("task has no issue or PR number");
  const body = renderComment(task, event);
  const create = `/repos/${task.repo}/issues/${task.issue_number}/comments`;

  const existing = await commentOf(env.DB, task.task_id);
  if (existing && existing.task_version > task.version) return skipped("a newer status is already shown");
  if (existing?.comment_id) {
    const r = await gh(env, "PATCH", `/repos/${task.repo}/issues/comments/${existing.comment_id}`, { body });
    if (r.status !== 404) {
      await saveComment(env.DB, task.task_id, existing.comment_id, task.version);
      return { result: "sent", github_comment_id: existing.comment_id, detail: "edited" };
    }
  } else if (!(await claimComment(env.DB, task.task_id, Date.now(), CLAIM_STALE_MS))) {
    return { result: "retry", detail: "another delivery is creating this task's comment", retryAfterS: 5 };
  }
  const r = await gh(env, "POST", create, { body });
  if (r.status === 404) throw new PermanentError(`github POST ${create}: 404 (no such issue or no access)`);
  const id = String(r.json.id);
  await saveComment(env.DB, task.task_id, id, task.version);
  return { result: "sent", github_comment_id: id, detail: "created" };
}
