import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import { submitModal } from "../../src/slack/blocks/submitModal";
import { call, createUser, onboardRepo } from "../helpers/api";
import { installFakeApis } from "../helpers/fakeFetch";
import { linkSlackUser, sendCommand, sendInteraction, uniqueSlackUser } from "../helpers/slack";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

async function linkedUser() {
  const user = await createUser();
  const slackUser = uniqueSlackUser();
  await linkSlackUser(slackUser, user.user_id);
  return { user, slackUser };
}

const tasksOf = async (token: string) => (await call("GET", "/v1/tasks", { token })).body.data.tasks as any[];
const taskOf = async (token: string, id: string) => (await call("GET", `/v1/tasks/${id}`, { token })).body.data;
const opened = () => fake.slackCalls("views.open").at(-1)!.body;

/** The "Send to bgagent" message shortcut, as Slack sends it. */
const shortcut = (slackUser: string, message: Record<string, unknown>) => ({
  type: "message_action",
  token: "x",
  action_ts: "1700000000.999",
  team: { id: "T1", domain: "t" },
  user: { id: slackUser, username: "u", team_id: "T1", name: "u" },
  channel: { id: "C7", name: "general" },
  is_enterprise_install: false,
  enterprise: null,
  callback_id: "send_to_bgagent",
  trigger_id: "trig-sc",
  response_url: "https://fake-slack.test/response/sc",
  message_ts: message.ts,
  message: { type: "message", user: "U9", client_msg_id: "m1", ...message },
});

/** The modal's submission, as Slack sends it: the values by block id and action id. */
function submission(
  slackUser: string,
  privateMetadata: string,
  v: { repo?: string | null; text?: string; readOnly?: boolean; window?: string | null; scopes?: string },
) {
  return {
    type: "view_submission",
    team: { id: "T1", domain: "t" },
    user: { id: slackUser, username: "u", name: "u", team_id: "T1" },
    api_app_id: "A1",
    token: "x",
    trigger_id: "trig-sub",
    view: {
      id: "VSUB",
      team_id: "T1",
      type: "modal",
      callback_id: "submit_task",
      private_metadata: privateMetadata,
      hash: "1.x",
      state: {
        values: {
          repo: {
            submit_repo: {
              type: "static_select",
              selected_option: v.repo ? { text: { type: "plain_text", text: v.repo }, value: v.repo } : null,
            },
          },
          text: { text_input: { type: "plain_text_input", value: v.text ?? "do the thing" } },
          read_only: {
            read_only_input: {
              type: "checkboxes",
              selected_options: v.readOnly ? [{ text: { type: "plain_text", text: "Read-only" }, value: "read_only" }] : [],
            },
          },
          approval_window: {
            window_select: {
              type: "static_select",
              selected_option: v.window ? { text: { type: "plain_text", text: "x" }, value: v.window } : null,
            },
          },
          scopes: { scopes_input: { type: "plain_text_input", value: v.scopes ?? null } },
        },
      },
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

describe("/bgagent submit", () => {
  it("opens the modal with the onboarded repos, prefilled from the command's text", async () => {
    const { slackUser } = await linkedUser();
    const repo = await onboardRepo();
    const r = await sendCommand({ user_id: slackUser, text: `submit ${repo} fix the &amp; bug`, channel_id: "C5" });
    expect(r).toEqual({ status: 200, text: "" });
    const open = opened();
    expect(open.trigger_id).toBe("trig");
    expect(open.view.callback_id).toBe("submit_task");
    expect(JSON.parse(open.view.private_metadata)).toEqual({ channel: "C5" });
    const [repoBlock, textBlock] = open.view.blocks;
    expect(repoBlock.element.type).toBe("static_select");
    expect(repoBlock.element.options.map((o: any) => o.value)).toContain(repo);
    expect(repoBlock.element.initial_option.value).toBe(repo);
    expect(textBlock.element.initial_value).toBe("fix the & bug");
  });

  it("says so when Slack refuses to open the form (an expired trigger)", async () => {
    const { slackUser } = await linkedUser();
    await onboardRepo();
    fake.fail("slack", { kind: "slack_error", error: "expired_trigger_id" }, 1, "views.open");
    const r = await sendCommand({ user_id: slackUser, text: "submit" });
    expect(r.status).toBe(200);
    expect(fake.calls.filter((c) => c.method === "/response/cmd").at(-1)!.body.text).toContain("Could not open the submit form");
  });

  it("tells an unlinked person to link, and opens nothing", async () => {
    const r = await sendCommand({ user_id: uniqueSlackUser(), text: "submit" });
    expect(JSON.parse(r.text).text).toContain("/bgagent link");
    expect(fake.slackCalls("views.open")).toHaveLength(0);
  });

  it("a valid submission creates a read-only task with its pre-approved scope, in a new thread in the command's channel", async () => {
    const { user, slackUser } = await linkedUser();
    const repo = await onboardRepo();
    const r = await sendInteraction(
      submission(slackUser, JSON.stringify({ channel: "C5" }), {
        repo,
        text: "look around",
        readOnly: true,
        window: "600",
        scopes: "bash_pattern:npm test*\n\n  tool_type:Read  ",
      }),
    );
    expect(r).toEqual({ status: 200, text: "" });
    const [listed] = await tasksOf(user.token);
    const t = await taskOf(user.token, listed.id);
    expect(t).toMatchObject({
      repo,
      description: "look around",
      read_only: true,
      approval_timeout_s: 600,
      initial_approvals: ["bash_pattern:npm test*", "tool_type:Read"],
      channel_source: "slack",
    });
    const root = fake.slackCalls("chat.postMessage").find((c) => c.body.channel === "C5" && c.body.text.includes(repo))!;
    expect(root.body.thread_ts).toBeUndefined();
    expect(root.body.text).toContain(`<@${slackUser}> submitted a task for \`${repo}\` (read-only)`);
    expect(t.channel_metadata).toEqual({
      slack_team_id: "T1",
      slack_user_id: slackUser,
      slack_channel_id: "C5",
      slack_thread_ts: root.response.ts,
    });
  });

  it.each([
    ["a bad scope", { scopes: "tool_type:Read\nbash_pattern:*" }, "scopes", /^Line 2: /],
    ["an unknown scope kind", { scopes: "everything" }, "scopes", /^Line 1: /],
    ["no repo", { repo: null }, "repo", /^Choose a repo\.$/],
    ["a repo that is not onboarded (not one the person may submit to)", { repo: "ghost/not-here" }, "repo", /is not onboarded/],
    ["an empty task", { text: "   " }, "text", /.+/],
    ["a window outside the API's range", { window: "5" }, "approval_window", /.+/],
  ] as const)("answers %s with an error next to the field, and creates nothing", async (_, v, block, message) => {
    const { user, slackUser } = await linkedUser();
    const repo = await onboardRepo();
    const r = await sendInteraction(submission(slackUser, JSON.stringify({ channel: "C5" }), { repo, ...v }));
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.response_action).toBe("errors");
    expect(Object.keys(body.errors)).toEqual([block]);
    expect(body.errors[block]).toMatch(message);
    expect(await tasksOf(user.token)).toEqual([]);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(0);
  });

  it("refuses a forged or out-of-date form (private_metadata not ours)", async () => {
    const { user, slackUser } = await linkedUser();
    const repo = await onboardRepo();
    const r = await sendInteraction(submission(slackUser, '{"channel":"C5","thread_ts":"x"}', { repo }));
    expect(JSON.parse(r.text).errors.text).toMatch(/out of date/);
    expect(await tasksOf(user.token)).toEqual([]);
  });

  it("an unlinked submitter creates nothing", async () => {
    const repo = await onboardRepo();
    const r = await sendInteraction(submission(uniqueSlackUser(), JSON.stringify({ channel: "C5" }), { repo }));
    expect(JSON.parse(r.text).errors.text).toContain("/bgagent link");
  });
});

describe("Send to bgagent (message shortcut)", () => {
  it("opens the modal prefilled with the message's decoded text and its permalink", async () => {
    const { slackUser } = await linkedUser();
    const repo = await onboardRepo();
    const r = await sendInteraction(
      shortcut(slackUser, { ts: "1700000000.000200", text: `${repo} the build &amp; the <https://ci.test/1|CI run> fail for <@U9|bob>` }),
    );
    expect(r.status).toBe(200);
    expect(fake.slackCalls("chat.getPermalink")[0].body).toEqual({ channel: "C7", message_ts: "1700000000.000200" });
    const open = opened();
    expect(open.trigger_id).toBe("trig-sc");
    expect(JSON.parse(open.view.private_metadata)).toEqual({ channel: "C7", thread_ts: "1700000000.000200" });
    expect(open.view.blocks[0].element.initial_option.value).toBe(repo);
    expect(open.view.blocks[1].element.initial_value).toBe(
      `${repo} the build & the CI run (https://ci.test/1) fail for @bob\n\nFrom Slack: https://fake.slack.test/archives/C7/p1700000000000200`,
    );
  });

  it("its task lives in the message's thread", async () => {
    const { user, slackUser } = await linkedUser();
    const repo = await onboardRepo();
    const meta = JSON.stringify({ channel: "C7", thread_ts: "1700000000.000300" });
    expect((await sendInteraction(submission(slackUser, meta, { repo }))).text).toBe("");
    const [t] = await tasksOf(user.token);
    expect((await taskOf(user.token, t.id)).channel_metadata).toMatchObject({
      slack_channel_id: "C7",
      slack_thread_ts: "1700000000.000300",
    });
    expect(fake.slackCallsAbout("chat.postMessage", "1700000000.000300")[0].body.text).toContain("submitted a task");
  });

  it("where the bot is not in the channel, the thread moves to the person's DM with the bot", async () => {
    const { user, slackUser } = await linkedUser();
    const repo = await onboardRepo();
    fake.fail("slack", { kind: "slack_error", error: "not_in_channel" }, 1, "chat.postMessage");
    await sendInteraction(submission(slackUser, JSON.stringify({ channel: "C8", thread_ts: "1700000000.000400" }), { repo }));
    const [t] = await tasksOf(user.token);
    const dm = fake.slackCalls("chat.postMessage").find((c) => c.body.channel === slackUser)!;
    expect((await taskOf(user.token, t.id)).channel_metadata).toMatchObject({
      slack_channel_id: `D${slackUser.slice(1)}`,
      slack_thread_ts: dm.response.ts,
    });
  });

  it("tells an unlinked person to link", async () => {
    await sendInteraction(shortcut(uniqueSlackUser(), { ts: "1700000000.000500", text: "x" }));
    expect(fake.calls.find((c) => c.method === "/response/sc")!.body.text).toContain("/bgagent link");
    expect(fake.slackCalls("views.open")).toHaveLength(0);
  });
});

describe("the repo picker's search (block_suggestion, beyond 100 repos)", () => {
  it("answers with the onboarded repos that match what was typed", async () => {
    const repo = await onboardRepo(`acme/findme${Date.now().toString(36)}`);
    const r = await sendInteraction({
      type: "block_suggestion",
      user: { id: uniqueSlackUser(), team_id: "T1" },
      team: { id: "T1", domain: "t" },
      api_app_id: "A1",
      token: "x",
      container: { type: "view", view_id: "VSUB" },
      view: { id: "VSUB", type: "modal", callback_id: "submit_task" },
      action_id: "submit_repo",
      block_id: "repo",
      value: "FINDME",
    });
    expect(r.status).toBe(200);
    const { options } = JSON.parse(r.text);
    expect(options.map((o: any) => o.value)).toContain(repo);
    expect(options.every((o: any) => o.value.includes("findme"))).toBe(true);
  });
});

describe("submitModal (pure)", () => {
  it("uses a searchable select beyond 100 repos, and no form at all without repos", () => {
    const repos = Array.from({ length: 101 }, (_, i) => `acme/r${i}`);
    const big = submitModal({ repos, privateMetadata: "{}" }) as any;
    expect(big.blocks[0].element).toMatchObject({ type: "external_select", action_id: "submit_repo", min_query_length: 0 });
    const none = submitModal({ repos: [], privateMetadata: "{}" }) as any;
    expect(none.submit).toBeUndefined();
    expect(JSON.stringify(none.blocks)).toContain("bgagent admin put-repo");
  });
});
