/**
 * GitHub: one comment per task on its issue or PR, created on the first event and edited in
 * place after (PATCH; 404 -> create again). Errors are classified in githubFailure: rate limits,
 * 5xx and network failures retry; what only an operator can fix is dead-lettered at once.
 * Credentials: githubAuth.ts (a GitHub App, or GITHUB_TOKEN).
 */
import type { Env } from "../env";
import { RetryableError, retryAfterSeconds, UndeliverableError } from "../shared/channelErrors";
import { type Outcome, skipped } from "../shared/outcome";
import type { DispatchMessage, TaskEvent, TaskView } from "../shared/types";
import { claimComment, commentOf, releaseClaim, saveComment } from "../store/githubComments";
import { type AppRequest, type GithubAuth, githubAuthFor } from "./githubAuth";

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

/** One HTTP call; a network failure or the 5 s timeout is retryable. */
async function send(env: Env, method: string, path: string, body: unknown, authorization: string): Promise<Response> {
  try {
    return await fetch(
      new URL(path.replace(/^\//, ""), env.GITHUB_API_BASE_URL.endsWith("/") ? env.GITHUB_API_BASE_URL : `${env.GITHUB_API_BASE_URL}/`),
      {
        method,
        headers: {
          authorization,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          "user-agent": "bgagent",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      },
    );
  } catch (err) {
    throw new RetryableError(`github ${method} ${path}: ${err instanceof Error ? err.name : "network error"}`);
  }
}

const STATUS_REASONS: Record<number, string> = {
  401: "bad credentials",
  403: "permission denied (the token or App needs Issues: write on this repo)",
  404: "not found, or no access",
  410: "gone (issues disabled?)",
  422: "unprocessable",
};

/** GitHub's own `message` (JSON error body), short; never request data. */
const githubMessage = (body: string): string => {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === "string" ? m.slice(0, 200) : "";
  } catch {
    return "";
  }
};

/**
 * What an error answer means for the message. Rate limits retry when GitHub says: the primary one
 * (x-ratelimit-remaining: 0) at x-ratelimit-reset, a secondary one (retry-after, or its message)
 * after retry-after, else after a minute. 5xx retry with backoff. Everything else (bad credentials,
 * a missing permission, no such issue, issues disabled, a locked issue, validation) will fail the
 * same way every time: dead-lettered at once with the reason.
 */
export function githubFailure(what: string, status: number, headers: Headers, body: string, now = Date.now()): Error {
  const message = githubMessage(body);
  if (status === 403 || status === 429) {
    if (headers.get("x-ratelimit-remaining") === "0") {
      const reset = Number(headers.get("x-ratelimit-reset"));
      return new RetryableError(`${what}: primary rate limit (HTTP ${status})`, reset ? Math.max(1, reset - Math.floor(now / 1000)) : 60);
    }
    const retryAfter = retryAfterSeconds(headers.get("retry-after"), now);
    if (retryAfter !== undefined || status === 429 || /secondary rate limit/i.test(message)) {
      return new RetryableError(`${what}: secondary rate limit (HTTP ${status})`, retryAfter ?? 60);
    }
  }
  if (status >= 500) return new RetryableError(`${what}: HTTP ${status}`);
  const why = /\blocked\b/i.test(message) ? "the issue is locked" : (STATUS_REASONS[status] ?? "refused");
  return new UndeliverableError(`${what}: HTTP ${status} ${why}${message ? ` (${message})` : ""}`);
}

/** A call with the dispatcher's credential; an App token refused with 401 is minted again and the call repeated, once. */
async function gh(
  env: Env,
  auth: GithubAuth,
  method: string,
  path: string,
  body: unknown,
  allow404 = false,
): Promise<{ status: number; json: Record<string, unknown> }> {
  for (let attempt = 1; ; attempt++) {
    const res = await send(env, method, path, body, await auth.header());
    if (res.status === 401 && auth.kind === "app" && attempt === 1) {
      auth.refresh();
      continue;
    }
    if (res.status === 404 && allow404) return { status: 404, json: {} };
    if (res.status >= 400) throw githubFailure(`github ${method} ${path}`, res.status, res.headers, await res.text());
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
}

/** The App's own calls (installation lookup, token minting), authenticated with its JWT. */
const appRequest =
  (env: Env): AppRequest =>
  async (method, path, jwt) => {
    const res = await send(env, method, path, undefined, `Bearer ${jwt}`);
    if (res.ok) return (await res.json()) as Record<string, unknown>;
    if (res.status === 404 && path.endsWith("/installation")) {
      throw new UndeliverableError(`GitHub App: not installed on ${path.slice("/repos/".length, -"/installation".length)}`);
    }
    if (res.status === 401) {
      throw new UndeliverableError(`GitHub App: ${method} ${path} refused its JWT (is GITHUB_APP_PRIVATE_KEY the key of GITHUB_APP_ID?)`);
    }
    throw githubFailure(`github ${method} ${path}`, res.status, res.headers, await res.text());
  };

export async function githubDispatcher(msg: DispatchMessage, env: Env): Promise<Outcome> {
  const { task, event } = msg;
  const auth = githubAuthFor(env, task.repo, appRequest(env));
  if (!auth) return skipped("neither a GitHub App (GITHUB_APP_ID) nor GITHUB_TOKEN is configured");
  if (task.issue_number === null) return skipped("task has no issue or PR number");
  const body = renderComment(task, event);
  const create = `/repos/${task.repo}/issues/${task.issue_number}/comments`;

  const existing = await commentOf(env.DB, task.task_id);
  if (existing && existing.task_version > task.version) return skipped("a newer status is already shown");
  if (existing?.comment_id) {
    const r = await gh(env, auth, "PATCH", `/repos/${task.repo}/issues/comments/${existing.comment_id}`, { body }, true);
    if (r.status !== 404) {
      await saveComment(env.DB, task.task_id, existing.comment_id, task.version);
      return { result: "sent", github_comment_id: existing.comment_id, detail: "edited" };
    }
  } else if (!(await claimComment(env.DB, task.task_id, Date.now(), CLAIM_STALE_MS))) {
    return { result: "retry", detail: "another delivery is creating this task's comment", retryAfterS: 5 };
  }
  let r: Awaited<ReturnType<typeof gh>>;
  try {
    r = await gh(env, auth, "POST", create, { body });
  } catch (err) {
    // A definite refusal created nothing; after a timeout the comment may exist, so the claim stays.
    if (err instanceof UndeliverableError) await releaseClaim(env.DB, task.task_id);
    throw err;
  }
  const id = String(r.json.id);
  await saveComment(env.DB, task.task_id, id, task.version);
  return { result: "sent", github_comment_id: id, detail: "created" };
}
