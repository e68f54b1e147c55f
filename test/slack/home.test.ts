import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import type { ApprovalSummary, DeciderRole } from "../../src/shared/approval";
import { homeEventOf } from "../../src/shared/events";
import { HOME_LIMITS, type HomeTask, homeView } from "../../src/slack/blocks/homeView";
import { call, claimTask, createUser, onboardRepo, runningTask, submit } from "../helpers/api";
import { message, one } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";
import { linkSlackUser, sendEvent, sendInteraction, uniqueSlackUser } from "../helpers/slack";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

const homeOpened = (user: string, tab = "home") => ({
  type: "app_home_opened",
  user,
  channel: `D${user.slice(1)}`,
  tab,
  event_ts: `${Math.floor(Date.now() / 1000)}.000100`,
});

/** A click on the App Home, as Slack sends it: a `view` of type home, no channel, message or response_url. */
const homeClick = (slackUser: string, actionId: string) => ({
  type: "block_actions",
  user: { id: slackUser, username: "u", name: "u", team_id: "T1" },
  api_app_id: "A1",
  token: "x",
  container: { type: "view", view_id: "VHOME" },
  trigger_id: "trigger-home",
  team: { id: "T1", domain: "t" },
  enterprise: null,
  is_enterprise_install: false,
  view: {
    id: "VHOME",
    team_id: "T1",
    type: "home",
    blocks: [],
    private_metadata: "",
    callback_id: "",
    state: { values: {} },
    hash: "1.abc",
    title: { type: "plain_text", text: "View Title" },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: "VHOME",
    app_id: "A1",
    external_id: "",
    app_installed_team_id: "T1",
    bot_id: "B1",
  },
  actions: [{ type: "button", action_id: actionId, block_id: "b", action_ts: "1.2", text: { type: "plain_text", text: "x" } }],
});

const actionIdsOf = (view: any): string[] =>
  view.blocks.flatMap((b: any) =>
    [...(b.type === "actions" ? b.elements : []), ...(b.accessory ? [b.accessory] : [])].map((e: any) => e.action_id),
  );
const textOf = (view: any) => JSON.stringify(view.blocks);

/** A running task of a linked Slack user, paused on an approval (force push to a branch: medium). */
async function pendingApproval(command = "git push --force origin feature/x") {
  const t = await runningTask();
  const slackUser = uniqueSlackUser();
  await linkSlackUser(slackUser, t.user.user_id);
  const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name: "Bash", tool_input: { command } } });
  expect(g.body.data.outcome).toBe("require_approval");
  return { ...t, slackUser, rid: g.body.data.request_id as string };
}

const approvalStatus = async (rid: string) =>
  (await env.DB.prepare("SELECT status FROM approvals WHERE request_id = ?").bind(rid).first<{ status: string }>())?.status;

describe("App Home: app_home_opened", () => {
  it("tells an unlinked person how to link", async () => {
    const user = uniqueSlackUser();
    expect((await sendEvent(homeOpened(user))).status).toBe(200);
    const view = fake.homes.get(user);
    expect(view.type).toBe("home");
    expect(textOf(view)).toContain("/bgagent link");
    expect(textOf(view)).toContain("bgagent slack link CODE");
    expect(actionIdsOf(view)).toEqual([]);
  });

  it("publishes nothing when the Messages tab opens", async () => {
    const user = uniqueSlackUser();
    await sendEvent(homeOpened(user, "messages"));
    expect(fake.slackCalls("views.publish").filter((c) => c.body.user_id === user)).toHaveLength(0);
  });

  it("lists the pending approval with the thread card's buttons, and the active task with Cancel", async () => {
    const p = await pendingApproval();
    await sendEvent(homeOpened(p.slackUser));
    const view = fake.homes.get(p.slackUser);
    expect(textOf(view)).toContain(`Linked to bgagent user \`${p.user.user_id}\``);
    expect(textOf(view)).toContain("Pending approvals (1)");
    expect(textOf(view)).toContain("Active tasks (1)");
    expect(actionIdsOf(view)).toEqual([
      `approve_action:${p.taskId}:${p.rid}`,
      `approve_session_action:${p.taskId}:${p.rid}`,
      `deny_action:${p.taskId}:${p.rid}`,
      `cancel_task:${p.taskId}`,
    ]);
  });

  it("shows a high-severity request without buttons, with the CLI command", async () => {
    const p = await pendingApproval("git push --force origin main");
    await sendEvent(homeOpened(p.slackUser));
    const view = fake.homes.get(p.slackUser);
    expect(actionIdsOf(view)).toEqual([`cancel_task:${p.taskId}`]);
    expect(textOf(view)).toContain(`bgagent approve ${p.taskId} ${p.rid}`);
  });

  it("survives a Slack error on publish (logged; the event is still acknowledged)", async () => {
    const user = uniqueSlackUser();
    fake.fail("slack", { kind: "slack_error", error: "invalid_auth" }, 1, "views.publish");
    expect((await sendEvent(homeOpened(user))).status).toBe(200);
    expect(fake.homes.has(user)).toBe(false);
  });
});

describe("App Home: clicks", () => {
  it("Approve on the home decides through the card's handler and republishes with the answer", async () => {
    const p = await pendingApproval();
    const r = await sendInteraction(homeClick(p.slackUser, `approve_action:${p.taskId}:${p.rid}`));
    expect(r.status).toBe(200);
    expect(await approvalStatus(p.rid)).toBe("APPROVED");
    const answer = fake
      .slackCalls("views.publish")
      .find((c) => c.body.user_id === p.slackUser && textOf(c.body.view).includes("Approved (this_call)"))!.body.view;
    expect(answer.blocks[1]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: ":white_check_mark: Approved (this_call) — the agent continues now." }],
    });
    expect(actionIdsOf(answer)).toEqual([`cancel_task:${p.taskId}`]);
    expect(actionIdsOf(fake.homes.get(p.slackUser))).toEqual([`cancel_task:${p.taskId}`]);
  });

  it("Deny on the home opens the deny modal (the same one as in threads); its answer lands on the home", async () => {
    const p = await pendingApproval();
    await sendInteraction(homeClick(p.slackUser, `deny_action:${p.taskId}:${p.rid}`));
    const open = fake.slackCalls("views.open").at(-1)!.body;
    expect(open.trigger_id).toBe("trigger-home");
    expect(open.view.callback_id).toBe(`deny_reason:${p.taskId}:${p.rid}`);
    await sendInteraction({
      type: "view_submission",
      user: { id: p.slackUser, team_id: "T1" },
      team: { id: "T1" },
      api_app_id: "A1",
      token: "x",
      trigger_id: "t2",
      view: {
        id: "VDENY",
        type: "modal",
        callback_id: open.view.callback_id,
        private_metadata: open.view.private_metadata,
        state: { values: { reason: { reason_input: { type: "plain_text_input", value: "not now" } } } },
      },
    });
    expect(await approvalStatus(p.rid)).toBe("DENIED");
    const answered = fake
      .slackCalls("views.publish")
      .some((c) => c.body.user_id === p.slackUser && textOf(c.body.view).includes("Denied — the agent has been told your reason."));
    expect(answered).toBe(true);
  });

  it("severity limits apply: a forged home click on a high-severity request decides nothing", async () => {
    const p = await pendingApproval("git push --force origin main");
    await sendInteraction(homeClick(p.slackUser, `approve_action:${p.taskId}:${p.rid}`));
    expect(await approvalStatus(p.rid)).toBe("PENDING");
    expect(textOf(fake.homes.get(p.slackUser))).toContain("This is a *high*-severity gate");
  });

  it("someone else's click decides nothing, and their home says so", async () => {
    const p = await pendingApproval();
    const other = (await pendingApproval()).slackUser;
    await sendInteraction(homeClick(other, `approve_action:${p.taskId}:${p.rid}`));
    expect(await approvalStatus(p.rid)).toBe("PENDING");
    expect(textOf(fake.homes.get(other))).toContain("Approval request not found, or not yours to decide.");
  });

  it("Cancel on the home cancels the task and republishes", async () => {
    const p = await pendingApproval();
    await sendInteraction(homeClick(p.slackUser, `cancel_task:${p.taskId}`));
    expect((await call("GET", `/v1/tasks/${p.taskId}`, { token: p.user.token })).body.data.status).toBe("CANCELLED");
    // The answer rides on the click's publish; the queue's publish for the change may follow it.
    const published = fake.slackCalls("views.publish").filter((c) => c.body.user_id === p.slackUser);
    expect(published.some((c) => textOf(c.body.view).includes("Task cancelled."))).toBe(true);
    const view = fake.homes.get(p.slackUser);
    expect(textOf(view)).toContain("Active tasks (0)");
    expect(textOf(view)).toContain("*CANCELLED*");
  });
});

describe("App Home: republished when the owner's tasks change", () => {
  it("a new approval request reaches the owner's home through the real queue", async () => {
    // A user linked before submitting (the link is looked up at submit).
    const user = await createUser();
    const slackUser = uniqueSlackUser();
    await linkSlackUser(slackUser, user.user_id);
    const task = await submit(user.token, { repo: await onboardRepo(), description: "followed" });
    const t = { user, taskId: task.task_id as string, taskToken: await claimTask(task.task_id) };
    await call("POST", `/v1/tasks/${t.taskId}/events`, { token: t.taskToken, body: { type: "session_started" } });
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Bash", tool_input: { command: "git push -f origin wip" } },
    });
    const rid = g.body.data.request_id;
    await vi.waitFor(
      () => expect(actionIdsOf(fake.homes.get(slackUser) ?? { blocks: [] })).toContain(`approve_action:${t.taskId}:${rid}`),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    // Decided over the API: the home loses the buttons.
    await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    await vi.waitFor(() => expect(actionIdsOf(fake.homes.get(slackUser))).toEqual([`cancel_task:${t.taskId}`]), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it("follows only owners who had linked Slack when they submitted: others cost no dispatch message", async () => {
    const linked = await createUser();
    await linkSlackUser(uniqueSlackUser(), linked.user_id);
    const unlinked = await createUser();
    const repo = await onboardRepo();
    const a = await submit(linked.token, { repo, description: "x" });
    const b = await submit(unlinked.token, { repo, description: "x" });
    expect(a.channel_metadata.slack_user_id).toMatch(/^U/);
    expect(b.channel_metadata).toEqual({});
    // The DO's outbox is empty after each submit; what it sent is visible as the home dispatch: only a's.
    await vi.waitFor(() => expect(fake.slackCalls("views.publish").length).toBeGreaterThan(0), { timeout: 10_000, interval: 100 });
    expect(fake.slackCalls("views.publish").map((c) => c.body.user_id)).toEqual([a.channel_metadata.slack_user_id]);
  });

  it("one publish per state change: a cancel that also closes an approval is one home event", () => {
    const events = [{ type: "approval_decision_recorded" }, { type: "approval_cancelled" }, { type: "task_cancelled" }] as const;
    expect(homeEventOf(events)).toBe(events[1]);
    expect(homeEventOf([{ type: "gate_denied" }, { type: "agent_milestone" }])).toBeUndefined();
  });

  it("the home dispatcher: skips owners without a Slack link, drops permanent Slack errors, retries the rest", async () => {
    const t = await runningTask();
    const task = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data;
    expect((await one(message(task, "home", "session_started"))).acked).toEqual(["only"]);
    expect(fake.slackCalls("views.publish")).toHaveLength(0);
    const slackUser = uniqueSlackUser();
    await linkSlackUser(slackUser, t.user.user_id);
    const published = message(task, "home", "session_started");
    expect((await one(published)).acked).toEqual(["only"]);
    expect(fake.homes.get(slackUser).type).toBe("home");
    // Republishing is idempotent: no delivery row is kept for it (two D1 round trips saved).
    const rows = await env.DB.prepare("SELECT 1 FROM deliveries WHERE event_id = ?").bind(published.event.event_id).all();
    expect(rows.results).toHaveLength(0);
    fake.fail("slack", { kind: "slack_error", error: "invalid_blocks" }, 1, "views.publish");
    expect((await one(message(task, "home", "session_started"))).acked).toEqual(["only"]);
    fake.fail("slack", { kind: "ratelimited", retryAfter: 7 }, 1, "views.publish");
    expect((await one(message(task, "home", "session_started"))).retried).toEqual([{ id: "only", delaySeconds: 7 }]);
  });
});

describe("homeView (pure)", () => {
  const approval = (i: number, role: DeciderRole = "owner"): ApprovalSummary & { role: DeciderRole } => ({
    role,
    request_id: `01JR${String(i).padStart(22, "0")}`,
    task_id: "01JT0000000000000000000000",
    user_id: "u",
    repo: "acme/widgets",
    tool_name: "Bash",
    tool_input_preview: '{"command":"git push -f"}',
    tool_input_sha256: "h",
    effects: ["force-pushes"],
    reason: "r",
    severity: "medium",
    matching_rule_ids: ["force_push_any"],
    status: "PENDING",
    timeout_s: 300,
    created_at: new Date().toISOString(),
    expires_at: new Date(Date.now() + 300_000).toISOString(),
    decided_at: null,
    decided_by: null,
    scope: null,
    deny_reason: null,
    decided_role: null,
    version: 1,
  });
  const task = (i: number, status: HomeTask["status"], description = `task ${i}`): HomeTask => ({
    id: `01JT${String(i).padStart(22, "0")}`,
    repo: "acme/widgets",
    issue_number: null,
    description,
    status,
    updated_at: new Date().toISOString(),
    pr_url: null,
  });

  it("stays under Slack's 100 blocks however much is waiting, and says how much is not shown", () => {
    const many = Array.from({ length: 80 }, (_, i) => i);
    const view = homeView(
      {
        linked: true,
        user_id: "u",
        pending: many.map((i) => approval(i)),
        active: many.map((i) => task(i, "RUNNING")),
        finished: many.map((i) => task(i, "COMPLETED")),
      },
      ["low", "medium"],
      "notice",
    ) as { blocks: unknown[] };
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view.blocks)).toContain(`…and ${80 - HOME_LIMITS.pending} more`);
    expect(JSON.stringify(view.blocks)).toContain(`…and ${80 - HOME_LIMITS.active} more`);
  });

  it("escapes and shortens task text (no mentions or links from a description)", () => {
    const view = homeView(
      {
        linked: true,
        user_id: "u",
        pending: [],
        active: [task(1, "RUNNING", `<!channel> <https://evil|x> ${"y".repeat(500)}`)],
        finished: [],
      },
      [],
    );
    const text = JSON.stringify(view);
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("y".repeat(100));
  });

  it("marks what the person decides as a repo's approver, not as the task's owner", () => {
    const view = homeView({ linked: true, user_id: "u", pending: [approval(1, "approver"), approval(2)], active: [], finished: [] }, [
      "medium",
    ]);
    const rows = (view as { blocks: Array<{ text?: { text: string } }> }).blocks.filter((b) => b.text?.text.startsWith(":lock:"));
    expect(rows.map((b) => b.text!.text.includes("_as approver_"))).toEqual([true, false]);
  });

  it("shows the agent's input preview inside a code block it cannot leave, escaped", () => {
    const hostile = { ...approval(1), tool_input_preview: '{"command":"```<!here> <https://evil|ok>```"}' };
    const view = homeView({ linked: true, user_id: "u", pending: [hostile], active: [], finished: [] }, ["medium"]) as any;
    const text = view.blocks.find((b: any) => b.text?.text?.startsWith(":lock:")).text.text as string;
    expect(text).not.toContain("<!here>");
    expect(text).not.toContain("<https://");
    expect(text.match(/```/g)).toHaveLength(2);
  });
});
