/**
 * Approval routing: where a card goes (thread, the owner's DM, the repo's approval channel), that
 * each copy is posted once and edited after the outcome, and the outcome DM of tasks from outside Slack.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import { cardPlaces } from "../../src/dispatch/slackRouting";
import { newId } from "../../src/shared/ids";
import type { TaskView } from "../../src/shared/types";
import { withTaskLine } from "../../src/slack/blocks/routed";
import { postedCards } from "../../src/store/approvalCards";
import { submitTask } from "../../src/task/service";
import { createUser, onboardRepo } from "../helpers/api";
import { message, one, recordApproval, requestedMeta } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";
import { linkSlackUser, uniqueSlackUser } from "../helpers/slack";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

const apiTask = { channel_source: "api", channel_metadata: {} } as unknown as TaskView;
const threadTask = {
  channel_source: "slack",
  channel_metadata: { slack_team_id: "T1", slack_channel_id: "CTHREAD", slack_thread_ts: "1.5", slack_user_id: "U1" },
} as unknown as TaskView;

describe("cardPlaces", () => {
  it.each([
    ["a Slack task: its thread only", threadTask, "UOWNER", null, [{ place: "thread", channel: "CTHREAD", thread_ts: "1.5" }]],
    ["an API task of a linked owner: a DM", apiTask, "UOWNER", null, [{ place: "dm", slack_user: "UOWNER" }]],
    ["an API task of an unlinked owner: nowhere", apiTask, null, null, []],
    [
      "an API task with an approval channel: DM and channel",
      apiTask,
      "UOWNER",
      "COPS",
      [
        { place: "dm", slack_user: "UOWNER" },
        { place: "channel", channel: "COPS" },
      ],
    ],
    ["an unlinked owner with an approval channel: the channel", apiTask, null, "COPS", [{ place: "channel", channel: "COPS" }]],
    [
      "a Slack task with an approval channel: thread and channel",
      threadTask,
      null,
      "COPS",
      [
        { place: "thread", channel: "CTHREAD", thread_ts: "1.5" },
        { place: "channel", channel: "COPS" },
      ],
    ],
    [
      "a Slack task whose thread is in the approval channel: not twice",
      threadTask,
      null,
      "CTHREAD",
      [{ place: "thread", channel: "CTHREAD", thread_ts: "1.5" }],
    ],
  ] as const)("%s", (_what, task, owner, channel, want) => {
    expect(cardPlaces(task, owner, channel)).toEqual(want);
  });
});

describe("withTaskLine", () => {
  it("names the task first, its description escaped (no mention or link reaches the channel)", () => {
    const m = withTaskLine(
      { text: "t", blocks: [{ type: "section" }] },
      { task_id: "01TASK", description: "ping <!channel> & <https://x|y>" },
      "<@UOWNER>",
    );
    expect(m.blocks).toHaveLength(2);
    expect(JSON.stringify(m.blocks[0])).toContain("Task `01TASK` · owner <@UOWNER> — ping &lt;!channel&gt; &amp; &lt;https://x|y&gt;");
    expect(m.blocks[1]).toEqual({ type: "section" });
  });
});

/** An API-submitted task (no Slack thread), its owner linked to a fresh Slack user unless `linked: false`. */
async function cliTask(opts: { linked?: boolean; approvalChannel?: string; approvers?: string[] } = {}) {
  const owner = await createUser();
  const slackUser = uniqueSlackUser();
  if (opts.linked !== false) await linkSlackUser(slackUser, owner.user_id);
  const repo = await onboardRepo(undefined, {
    ...(opts.approvalChannel ? { approval_channel: opts.approvalChannel } : {}),
    approvers: opts.approvers ?? [],
  });
  const task = await submitTask(env, owner.user_id, { repo, description: "fix the flaky test", read_only: false, initial_approvals: [] });
  return { task, owner, slackUser, repo };
}

/** The `n`th chat.postMessage (from now) is answered with `answer()`; the rest reach the fake. */
function failNthPost(n: number, answer: () => Response) {
  let posts = 0;
  const handle = fake.handle.bind(fake);
  vi.spyOn(fake, "handle").mockImplementation(async (req: Request) => {
    if (req.url.endsWith("/chat.postMessage") && ++posts === n) {
      fake.calls.push({ service: "slack", method: "chat.postMessage", body: {}, at: Date.now(), failed: true });
      return answer();
    }
    return handle(req);
  });
}

const buttons = (blocks: any[]) => blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements.map((e: any) => e.action_id));

/**
 * Slack calls other than App Home publishes: a linked owner's home is republished through the real
 * queue when their task changes, and such a publish (of this or an earlier test) can land at any time.
 */
const messageCalls = () => fake.slackCalls().filter((c) => c.method !== "views.publish");

describe("approval cards outside the thread", () => {
  it("a CLI task's card goes to its owner as a DM (conversations.open, then the card with its buttons) and is posted once", async () => {
    const { task, slackUser } = await cliTask();
    const rid = newId();
    await recordApproval(task, rid);
    const m = message(task, "slack", "approval_requested", requestedMeta(rid));
    expect((await one(m)).acked).toEqual(["only"]);
    const open = fake.slackCalls("conversations.open");
    expect(open.map((c) => c.body)).toEqual([{ users: slackUser }]);
    const dm = open[0].response.channel.id as string;
    expect(dm).toMatch(/^D/);
    const posts = fake.slackCalls("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0].body.channel).toBe(dm);
    expect(posts[0].body.thread_ts).toBeUndefined();
    expect(buttons(posts[0].body.blocks)).toEqual([
      `approve_action:${task.task_id}:${rid}`,
      `approve_session_action:${task.task_id}:${rid}`,
      `deny_action:${task.task_id}:${rid}`,
    ]);
    // Outside the thread the card says which task it is about.
    expect(JSON.stringify(posts[0].body.blocks[0])).toContain(task.task_id);
    expect(await postedCards(env.DB, rid)).toEqual([{ place: "dm", slack_channel: dm, slack_ts: posts[0].response.ts }]);
    expect((await one(m, 2)).acked).toEqual(["only"]);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(1);
  });

  it("a high-severity card shows the CLI command in the DM and the channel too, never buttons", async () => {
    const { task } = await cliTask({ approvalChannel: "CHIGHOPS" });
    const rid = newId();
    await recordApproval(task, rid, { severity: "high" });
    await one(message(task, "slack", "approval_requested", { ...requestedMeta(rid), severity: "high" }));
    const posts = fake.slackCalls("chat.postMessage");
    expect(posts).toHaveLength(2);
    for (const p of posts) {
      expect(buttons(p.body.blocks).filter((id) => !id.startsWith("view_input"))).toEqual([]);
      expect(JSON.stringify(p.body.blocks)).toContain(`bgagent approve ${task.task_id} ${rid}`);
    }
  });

  it("posts in the approval channel too; a retry after a failure there posts only the missing copy", async () => {
    const { task } = await cliTask({ approvalChannel: "CROUTEOPS" });
    const rid = newId();
    await recordApproval(task, rid);
    const m = message(task, "slack", "approval_requested", requestedMeta(rid));
    failNthPost(2, () => new Response("upstream failure", { status: 503 })); // the DM goes through, the channel fails
    expect((await one(m)).retried).toHaveLength(1);
    expect((await postedCards(env.DB, rid)).map((c) => c.place)).toEqual(["dm"]);
    vi.mocked(fake.handle).mockRestore();
    expect((await one(m, 2)).acked).toEqual(["only"]);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(3); // DM, channel (failed), channel
    const posts = fake.succeeded("slack", "chat.postMessage");
    expect(posts.map((c) => c.body.channel)).toEqual([expect.stringMatching(/^D/), "CROUTEOPS"]);
    // In the channel the card names the task's owner for the approvers.
    expect(JSON.stringify(posts[1].body.blocks[0])).toContain("owner <@");
    expect((await postedCards(env.DB, rid)).map((c) => c.place).sort()).toEqual(["channel", "dm"]);
  });

  it("a channel that refuses the bot (not_in_channel) does not keep the DM from its card", async () => {
    const { task } = await cliTask({ approvalChannel: "CNOTIN" });
    const rid = newId();
    await recordApproval(task, rid);
    failNthPost(2, () => Response.json({ ok: false, error: "not_in_channel" }));
    const m = message(task, "slack", "approval_requested", requestedMeta(rid));
    expect((await one(m)).acked).toEqual(["only"]);
    expect((await postedCards(env.DB, rid)).map((c) => c.place)).toEqual(["dm"]);
    const d = await env.DB.prepare("SELECT status, detail FROM deliveries WHERE event_id = ?").bind(m.event.event_id).first<any>();
    expect(d.status).toBe("sent");
    expect(d.detail).toContain("refused channel: slack chat.postMessage: not_in_channel");
  });

  it("after the decision every copy is edited, saying who decided and in which role", async () => {
    const approver = await createUser();
    const approverSlack = uniqueSlackUser();
    await linkSlackUser(approverSlack, approver.user_id);
    const { task } = await cliTask({ approvalChannel: "CEDITOPS", approvers: [approver.user_id] });
    const rid = newId();
    await recordApproval(task, rid);
    await one(message(task, "slack", "approval_requested", requestedMeta(rid)));
    const cards = await postedCards(env.DB, rid);
    expect(cards).toHaveLength(2);
    await recordApproval(task, rid, {
      status: "APPROVED",
      decided_at: new Date().toISOString(),
      decided_by: approver.user_id,
      decided_role: "approver",
      scope: "this_call",
      version: 2,
    });
    expect((await one(message(task, "slack", "approval_granted", { request_id: rid }))).acked).toEqual(["only"]);
    const updates = fake.slackCalls("chat.update");
    expect(updates.map((u) => [u.body.channel, u.body.ts])).toEqual(cards.map((c) => [c.slack_channel, c.slack_ts]));
    for (const u of updates) {
      expect(JSON.stringify(u.body.blocks)).toContain(`*Approved* by <@${approverSlack}> (approver)`);
      expect(buttons(u.body.blocks)).toEqual([]);
    }
  });

  it("a timeout edits the DM card too", async () => {
    const { task } = await cliTask();
    const rid = newId();
    await recordApproval(task, rid);
    await one(message(task, "slack", "approval_requested", requestedMeta(rid)));
    await recordApproval(task, rid, { status: "TIMED_OUT", decided_at: new Date().toISOString(), version: 2 });
    await one(message(task, "slack", "approval_timed_out", { request_id: rid }));
    const [u] = fake.slackCalls("chat.update");
    expect(u.body.channel).toMatch(/^D/);
    expect(JSON.stringify(u.body.blocks)).toContain("Expired — denied (fail closed)");
  });

  it("an unlinked owner with no approval channel: nothing is posted, and the outcome is settled, not retried", async () => {
    const { task } = await cliTask({ linked: false });
    const rid = newId();
    await recordApproval(task, rid);
    expect((await one(message(task, "slack", "approval_requested", requestedMeta(rid)))).acked).toEqual(["only"]);
    await recordApproval(task, rid, { status: "TIMED_OUT", decided_at: new Date().toISOString(), version: 2 });
    expect((await one(message(task, "slack", "approval_timed_out", { request_id: rid }))).acked).toEqual(["only"]);
    expect(messageCalls()).toEqual([]);
  });

  it("an outcome with nowhere to go is settled at once, even before its card's turn", async () => {
    const { task } = await cliTask({ linked: false });
    const rid = newId();
    await recordApproval(task, rid, { status: "DENIED", decided_at: new Date().toISOString(), version: 2 });
    expect((await one(message(task, "slack", "approval_denied", { request_id: rid }))).acked).toEqual(["only"]);
    expect(messageCalls()).toEqual([]);
  });

  it("an outcome that overtakes its card waits for it", async () => {
    const { task } = await cliTask();
    const rid = newId();
    await recordApproval(task, rid);
    const r = await one(message(task, "slack", "approval_timed_out", { request_id: rid }));
    expect(r.retried).toHaveLength(1);
    expect(fake.slackCalls("chat.update")).toEqual([]);
  });

  it("a CLI task's outcome is one DM to its linked owner; its progress messages are not sent", async () => {
    const { task, slackUser } = await cliTask();
    expect((await one(message(task, "slack", "session_started"))).acked).toEqual(["only"]);
    expect(messageCalls()).toEqual([]);
    await one(message(task, "slack", "task_completed", { duration_s: 90 }));
    await one(message(task, "slack", "task_failed", { error_message: "late" }));
    expect(fake.slackCalls("conversations.open").map((c) => c.body.users)).toEqual([slackUser]);
    const posts = fake.slackCalls("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0].body.channel).toMatch(/^D/);
    expect(posts[0].body.text).toContain("Task completed");
    expect(JSON.stringify(posts[0].body.blocks[0])).toContain(task.task_id);
  });
});
