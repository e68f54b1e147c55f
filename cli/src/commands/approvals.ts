import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ApprovalAnswer, ApprovalDetail } from "../../../src/shared/approval";
import { visible } from "../../../src/shared/visible";
import { CliError } from "../client";
import { client } from "../context";
import { ago, emit, timeLeft } from "../output";

interface Pending {
  task_id: string;
  request_id: string;
  repo: string;
  tool_name: string;
  tool_input_preview: string;
  severity: string;
  reason: string;
  expires_at: string;
}

/** GET /v1/tasks/{id}/approvals/{rid} as its owner or an approver sees it. */
type ApprovalView = ApprovalAnswer & ApprovalDetail & { task_id: string };

/** The whole approval for a terminal: JSON escapes control characters, visible() the invisible ones. */
function showText(a: ApprovalView): string {
  const input = a.tool_input ? JSON.stringify(a.tool_input, null, 2) : null;
  const lines = [
    `${a.status}  ${a.severity.toUpperCase()}  task ${a.task_id}  request ${a.request_id}`,
    `What it does: ${a.effects.length ? visible(a.effects.join(" · ")) : "(no summary from the gate)"}`,
    `Tool: ${a.tool_name}`,
    `Rules: ${a.matching_rule_ids.join(", ") || "-"} (${visible(a.gate_reason)})`,
    `Requested ${ago(a.created_at)}; ${a.status === "PENDING" ? `expires ${a.expires_at} (${timeLeft(a.expires_at, Date.now(), "timing out")})` : `decided ${a.decided_at ?? "-"}${a.decided_by ? ` by ${a.decided_by}` : ""}`}`,
  ];
  if (a.scope) lines.push(`Scope: ${a.scope}`);
  if (a.deny_reason) lines.push(`Deny reason: ${visible(a.deny_reason)}`);
  lines.push(
    input === null
      ? `Input (only a preview was kept for this request):\n${visible(a.tool_input_preview)}`
      : `Input (${[...input].length} characters, whole):\n${visible(input)}`,
  );
  return lines.join("\n");
}

function readReasonFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read --reason-file ${file}: ${(err as Error).message}`, "USAGE");
  }
}

export function registerApprovals(program: Command): void {
  program
    .command("pending")
    .description("approvals waiting for your decision")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const r = await client().get<{ pending: Pending[] }>("/v1/pending");
      emit(opts, r, () =>
        r.pending.length === 0
          ? "Nothing waiting for you."
          : r.pending
              .map((p) =>
                [
                  `${p.severity.toUpperCase()}  ${p.repo}  task ${p.task_id}  request ${p.request_id}`,
                  `  ${p.tool_name}: ${p.tool_input_preview}`,
                  // Still listed after its deadline: the service is about to deny it (fail closed).
                  `  ${p.reason}; expires ${p.expires_at} (${timeLeft(p.expires_at, Date.now(), "timing out")})`,
                  `  bgagent show ${p.task_id} ${p.request_id}   (the whole input)`,
                  `  bgagent approve ${p.task_id} ${p.request_id}   |   bgagent deny ${p.task_id} ${p.request_id} --reason "..."`,
                ].join("\n"),
              )
              .join("\n\n"),
      );
    });

  program
    .command("show")
    .description("one approval request with its whole tool input and what it does")
    .argument("<task>", "task id")
    .argument("<request>", "request id")
    .option("--json", "print JSON")
    .action(async (task: string, request: string, opts) => {
      const r = await client().get<ApprovalView>(`/v1/tasks/${encodeURIComponent(task)}/approvals/${encodeURIComponent(request)}`);
      emit(opts, r, () => showText(r));
    });

  program
    .command("approve")
    .description("approve a paused tool call")
    .argument("<task>", "task id")
    .argument("<request>", "request id")
    .option(
      "--scope <scope>",
      "this_call (default), rule:<id>, tool_type:<T>, tool_group:file_write, bash_pattern:<glob>, write_path:<glob>, all_session",
      "this_call",
    )
    .option("--yes", "confirm a scope of all_session")
    .option("--json", "print JSON")
    .action(async (task: string, request: string, opts) => {
      if (opts.scope.trim() === "all_session" && !opts.yes) {
        throw new CliError("all_session pre-approves every remaining tool call of this task; add --yes if you mean it", "USAGE");
      }
      if (/^write_path:.*[A-Z]/.test(opts.scope)) process.stderr.write("note: write_path globs are case-sensitive\n");
      const r = await client().post<{ status: string; scope: string }>(`/v1/tasks/${encodeURIComponent(task)}/approve`, {
        request_id: request,
        scope: opts.scope,
      });
      emit(opts, r, () => `Approved (${r.scope}). The agent continues now.`);
    });

  program
    .command("deny")
    .description("deny a paused tool call; the agent is told your reason")
    .argument("<task>", "task id")
    .argument("<request>", "request id")
    .option("--reason <text>", "why (shown to the agent, secrets redacted)")
    .option("--reason-file <file>", "read the reason from a file")
    .option("--json", "print JSON")
    .action(async (task: string, request: string, opts) => {
      if (opts.reasonFile !== undefined && opts.reason !== undefined) {
        throw new CliError("give --reason or --reason-file, not both", "USAGE");
      }
      const reason = opts.reasonFile !== undefined ? readReasonFile(opts.reasonFile) : opts.reason;
      const r = await client().post<{ status: string }>(`/v1/tasks/${encodeURIComponent(task)}/deny`, { request_id: request, reason });
      emit(opts, r, () => "Denied. The agent has been told.");
    });
}
