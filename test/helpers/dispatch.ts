/** Drive the DISPATCH consumer directly, as the queue runtime would, and observe ack/retry. */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import type { DispatchChannel, EventType } from "../../src/shared/events";
import { newId } from "../../src/shared/ids";
import type { DispatchMessage, TaskView } from "../../src/shared/types";
import { statementFor } from "../../src/store/records";
import { submitTask } from "../../src/task/service";
import { pending } from "../task/pure/fixtures";
import { createUser, onboardRepo } from "./api";

/**
 * A task as the dispatcher sees a Slack-submitted one. By default the task itself is created as an
 * API task, so its own events do not go through the real queue into whichever test runs next;
 * `live: true` creates a real Slack-origin task (its events are dispatched).
 */
export async function slackTask(opts: { issue?: number | null; channel?: string; live?: boolean } = {}): Promise<TaskView> {
  const user = await createUser();
  const repo = await onboardRepo();
  const origin = {
    channel_source: "slack" as const,
    channel_metadata: {
      slack_team_id: "T1",
      slack_channel_id: opts.channel ?? "C1",
      slack_user_id: "U1",
      slack_thread_ts: "1700000000.000001",
    },
  };
  const task = await submitTask(
    env,
    user.user_id,
    {
      repo,
      description: "fix the flaky test",
      read_only: false,
      initial_approvals: [],
      issue_number: opts.issue === null ? undefined : (opts.issue ?? 42),
    },
    opts.live ? origin : { channel_source: "api", channel_metadata: {} },
  );
  return { ...task, ...origin };
}

/** approval_requested metadata as the TaskDO writes it: a force push waiting for a human. */
export const requestedMeta = (request_id: string, matching_rule_ids = ["force_push_any"]) => ({
  request_id,
  tool_name: "Bash",
  input_preview: "{}",
  reason: "r",
  severity: "medium",
  timeout_s: 300,
  expires_at: new Date().toISOString(),
  matching_rule_ids,
});

export function message(
  task: TaskView,
  channel: DispatchChannel,
  type: EventType,
  metadata: Record<string, unknown> = {},
  taskOverrides: Partial<TaskView> = {},
): DispatchMessage {
  return {
    channel,
    task: { ...task, ...taskOverrides },
    event: { event_id: newId(), task_id: task.task_id, event_type: type, metadata, created_at: new Date().toISOString() },
  };
}

export interface Delivered {
  acked: string[];
  retried: Array<{ id: string; delaySeconds?: number }>;
}

export async function deliver(
  msgs: Array<{ id?: string; attempts?: number; body: DispatchMessage }>,
  queue = "bgagent-dispatch",
  workerEnv: Env = env,
): Promise<Delivered> {
  const batch = createMessageBatch<DispatchMessage>(
    queue,
    msgs.map((m, i) => ({ id: m.id ?? `m${i}-${m.body.event.event_id}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  // getQueueResult reports which messages were retried but not the delay asked for: record it.
  const delays = new Map<string, number | undefined>();
  for (const m of batch.messages) {
    const original = m.retry.bind(m);
    m.retry = (opts?: QueueRetryOptions) => {
      delays.set(m.id, opts?.delaySeconds);
      original(opts);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv, ctx);
  const r = await getQueueResult(batch, ctx);
  return {
    acked: r.explicitAcks,
    retried: r.retryMessages.map((x: { msgId: string }) => ({ id: x.msgId, delaySeconds: delays.get(x.msgId) })),
  };
}

export const one = (body: DispatchMessage, attempts = 1, workerEnv: Env = env) =>
  deliver([{ id: "only", attempts, body }], "bgagent-dispatch", workerEnv);

/** An approval row in D1 for `task`, as the TaskDO's outbox writes it (a pending force push unless `extra` says otherwise). */
export async function recordApproval(
  task: Pick<TaskView, "task_id" | "user_id" | "repo">,
  rid: string,
  extra: Record<string, unknown> = {},
) {
  await statementFor(env.DB, {
    op: "approval",
    approval: {
      // the pure tests' pending force push, for this task, open now
      ...pending({ request_id: rid, task_id: task.task_id, user_id: task.user_id, repo: task.repo }),
      tool_input_preview: '{"command":"git push -f"}',
      tool_input: { command: "git push -f" },
      effects: ["force-pushes"],
      tool_input_sha256: "h",
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 300_000).toISOString(),
      ...extra,
    } as any,
  }).run();
}
