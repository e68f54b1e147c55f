import type { Command } from "commander";
import { client, parseRepoRef } from "../context";
import { ago, emit, table } from "../output";

interface Task {
  task_id: string;
  repo: string;
  issue_number: number | null;
  description: string;
  status: string;
  pr_url: string | null;
  error_message: string | null;
  awaiting_approval_request_id: string | null;
  created_at: string;
  updated_at: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

const showTask = (t: Task): string =>
  [
    `Task ${t.task_id}`,
    `  repo:     ${t.repo}${t.issue_number ? `#${t.issue_number}` : ""}`,
    `  status:   ${t.status}${t.awaiting_approval_request_id ? ` (request ${t.awaiting_approval_request_id})` : ""}`,
    `  created:  ${t.created_at} (${ago(t.created_at)})`,
    t.pr_url ? `  PR:       ${t.pr_url}` : null,
    t.error_message ? `  error:    ${t.error_message}` : null,
    `  task:     ${t.description.length > 200 ? `${t.description.slice(0, 200)}...` : t.description}`,
  ]
    .filter(Boolean)
    .join("\n");

export function registerTasks(program: Command): void {
  program
    .command("submit")
    .description("submit a coding task")
    .argument("<repo>", "owner/repo, or owner/repo#42 for an issue or PR")
    .argument("<description...>", "what the agent should do")
    .option("--read-only", "the agent may not write files")
    .option("--approval-timeout <s>", "seconds a human has to answer an approval (30-3600)", Number)
    .option("--max-lifetime <s>", "seconds until the task ends TIMED_OUT (default 28800, capped by the repo)", Number)
    .option("--pre-approve <scope>", "grant a scope up front (repeatable), e.g. bash_pattern:npm test*", collect, [])
    .option("--json", "print JSON")
    .action(async (ref: string, words: string[], opts) => {
      const { repo, issue_number } = parseRepoRef(ref);
      const body = {
        repo,
        issue_number,
        description: words.join(" "),
        read_only: Boolean(opts.readOnly),
        approval_timeout_s: opts.approvalTimeout,
        max_lifetime_s: opts.maxLifetime,
        initial_approvals: opts.preApprove,
      };
      const t = await client().post<Task>("/v1/tasks", body);
      emit(opts, t, () => `Submitted ${t.task_id} for ${t.repo} (${t.status}).\nFollow it: bgagent status ${t.task_id}`);
    });

  program
    .command("status")
    .description("show one task")
    .argument("<task>", "task id")
    .option("--json", "print JSON")
    .action(async (id: string, opts) => {
      const t = await client().get<Task>(`/v1/tasks/${encodeURIComponent(id)}`);
      emit(opts, t, () => showTask(t));
    });

  program
    .command("list")
    .description("list your tasks, newest first")
    .option("--status <status>", "only tasks in this status (e.g. RUNNING)")
    .option("--limit <n>", "how many (1-200)", Number, 20)
    .option("--json", "print JSON")
    .action(async (opts) => {
      const r = await client().get<{ tasks: Array<Task & { id: string }> }>("/v1/tasks", {
        query: { status: opts.status?.toUpperCase(), limit: opts.limit },
      });
      emit(opts, r, () =>
        r.tasks.length === 0
          ? "No tasks."
          : table([
              ["TASK", "STATUS", "REPO", "CREATED", "DESCRIPTION"],
              ...r.tasks.map((t) => [t.id, t.status, t.repo, ago(t.created_at), t.description.slice(0, 50)]),
            ]),
      );
    });

  program
    .command("events")
    .description("show a task's audit trail")
    .argument("<task>", "task id")
    .option("--json", "print JSON")
    .action(async (id: string, opts) => {
      const r = await client().get<{ events: Array<{ event_id: string; event_type: string; created_at: string; metadata: object }> }>(
        `/v1/tasks/${encodeURIComponent(id)}/events`,
      );
      emit(opts, r, () =>
        table([
          ["TIME", "EVENT", "DETAILS"],
          ...r.events.map((e) => [e.created_at, e.event_type, JSON.stringify(e.metadata).slice(0, 100)]),
        ]),
      );
    });

  program
    .command("cancel")
    .description("cancel a task (the runner stops the agent at its next heartbeat)")
    .argument("<task>", "task id")
    .option("--json", "print JSON")
    .action(async (id: string, opts) => {
      const t = await client().post<Task>(`/v1/tasks/${encodeURIComponent(id)}/cancel`);
      emit(opts, t, () => `Cancelled ${t.task_id}.`);
    });
}
