/**
 * The App Home and the submit modal end to end: the real `wrangler dev`, the fake Slack over HTTP,
 * signed requests of the shapes Slack sends (app_home_opened, block_actions from a home view,
 * /bgagent submit, view_submission).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { linkSlackUser, slackPost, until } from "../../cli/dev/support/e2e";
import { type FakeApiServer, startFakeApiServer } from "../../cli/dev/support/fakeApiServer";

const SECRET = "e2e-signing-secret";
const SLACK_USER = "UHOME1";
let server: DevServer;
let apis: FakeApiServer;
let user: { user_id: string; token: string };
let runnerToken: string;

const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });
const interaction = (payload: unknown) =>
  slackPost(
    server.url,
    SECRET,
    "/slack/interactions",
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    "application/x-www-form-urlencoded",
  );
const buttons = (view: any): string[] =>
  (view?.blocks ?? []).flatMap((b: any) =>
    [...(b.type === "actions" ? b.elements : []), ...(b.accessory ? [b.accessory] : [])].map((e: any) => e.action_id),
  );

beforeAll(async () => {
  apis = await startFakeApiServer();
  server = await startDevServer({ vars: { SLACK_BOT_TOKEN: "xoxb-e2e", SLACK_API_BASE_URL: apis.slackBaseUrl } });
  user = (await http("POST", "/v1/admin/users", server.adminToken, { name: "home" })).body.data;
  runnerToken = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "e2e-home" })).body.data.token;
  await http("PUT", "/v1/repos/acme/widgets", server.adminToken, {});
  await linkSlackUser({
    baseUrl: server.url,
    secret: SECRET,
    userToken: user.token,
    slackUser: SLACK_USER,
    responseUrl: apis.responseUrl("cmd"),
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await apis?.stop();
});

describe("Slack surfaces end to end", () => {
  it("App Home lists a pending approval and its Approve button works", async () => {
    const created = await http("POST", "/v1/tasks", user.token, { repo: "acme/widgets", description: "home e2e" });
    const taskId: string = created.body.data.task_id;
    const claim = await http("POST", "/v1/runner/claim?wait=5", runnerToken);
    expect(claim.body.data.task.task_id).toBe(taskId);
    const taskToken = claim.body.data.task_token;
    await http("POST", `/v1/tasks/${taskId}/events`, taskToken, { type: "session_started" });
    const gate = await http("POST", `/v1/tasks/${taskId}/gate`, taskToken, {
      tool_name: "Bash",
      tool_input: { command: "git push --force origin feature/x" },
    });
    expect(gate.body.data.outcome).toBe("require_approval");
    const rid: string = gate.body.data.request_id;
    const approve = `approve_action:${taskId}:${rid}`;

    const opened = {
      type: "event_callback",
      team_id: "T1",
      api_app_id: "A1",
      event_id: "EvHOME1",
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "app_home_opened",
        user: SLACK_USER,
        channel: "DHOME1",
        tab: "home",
        event_ts: `${Math.floor(Date.now() / 1000)}.000001`,
      },
    };
    expect((await slackPost(server.url, SECRET, "/slack/events", JSON.stringify(opened), "application/json")).status).toBe(200);
    const home = await until("home with the approval", () =>
      buttons(apis.fake.homes.get(SLACK_USER)).includes(approve) ? apis.fake.homes.get(SLACK_USER) : null,
    );
    expect(JSON.stringify(home.blocks)).toContain("Pending approvals (1)");

    const waiting = http("GET", `/v1/tasks/${taskId}/approvals/${rid}?wait=20`, taskToken);
    const click = await interaction({
      type: "block_actions",
      user: { id: SLACK_USER, username: "u", name: "u", team_id: "T1" },
      api_app_id: "A1",
      token: "x",
      container: { type: "view", view_id: "VHOME" },
      trigger_id: "trigger-home",
      team: { id: "T1", domain: "t" },
      view: {
        id: "VHOME",
        team_id: "T1",
        type: "home",
        blocks: home.blocks,
        private_metadata: "",
        callback_id: "",
        state: { values: {} },
        hash: "h",
      },
      actions: [
        {
          type: "button",
          action_id: approve,
          block_id: `approval:${rid}`,
          action_ts: "1.2",
          text: { type: "plain_text", text: "✅ Approve" },
        },
      ],
    });
    expect(click.status).toBe(200);
    expect((await waiting).body.data).toMatchObject({ outcome: "allow", status: "APPROVED", scope: "this_call" });
    await until("home republished without the buttons", () => !buttons(apis.fake.homes.get(SLACK_USER)).includes(approve));
    expect(buttons(apis.fake.homes.get(SLACK_USER))).toEqual([`cancel_task:${taskId}`]);
  }, 60_000);

  it("the submit modal creates a read-only task with a pre-approved scope", async () => {
    const form = new URLSearchParams({
      command: "/bgagent",
      text: "submit acme/widgets survey the test suite",
      team_id: "T1",
      user_id: SLACK_USER,
      channel_id: "CSUBMIT",
      trigger_id: "trigger-submit",
      response_url: apis.responseUrl("submit"),
    });
    const ack = await slackPost(server.url, SECRET, "/slack/commands", form.toString(), "application/x-www-form-urlencoded");
    expect({ status: ack.status, text: ack.text }).toEqual({ status: 200, text: "" });
    const open = await until(
      "views.open",
      () => apis.fake.slackCalls("views.open").find((c) => c.body.trigger_id === "trigger-submit")?.body,
    );
    const view = open.view;
    expect(view.blocks[0].element.initial_option.value).toBe("acme/widgets");

    const submitted = await interaction({
      type: "view_submission",
      team: { id: "T1", domain: "t" },
      user: { id: SLACK_USER, username: "u", name: "u", team_id: "T1" },
      api_app_id: "A1",
      token: "x",
      trigger_id: "trigger-sub",
      view: {
        id: "VSUB",
        team_id: "T1",
        type: "modal",
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        hash: "h",
        state: {
          values: {
            repo: { submit_repo: { type: "static_select", selected_option: view.blocks[0].element.initial_option } },
            text: { text_input: { type: "plain_text_input", value: view.blocks[1].element.initial_value } },
            read_only: {
              read_only_input: {
                type: "checkboxes",
                selected_options: [{ text: { type: "plain_text", text: "Read-only" }, value: "read_only" }],
              },
            },
            approval_window: { window_select: { type: "static_select", selected_option: null } },
            scopes: { scopes_input: { type: "plain_text_input", value: "bash_pattern:npm test*" } },
          },
        },
      },
      response_urls: [],
    });
    expect({ status: submitted.status, text: submitted.text }).toEqual({ status: 200, text: "" });
    const task = await until("the task", async () => {
      const t = (await http("GET", "/v1/tasks?limit=5", user.token)).body.data.tasks.find(
        (x: { description: string }) => x.description === "survey the test suite",
      );
      return t ? (await http("GET", `/v1/tasks/${t.id}`, user.token)).body.data : null;
    });
    expect(task).toMatchObject({
      repo: "acme/widgets",
      read_only: true,
      initial_approvals: ["bash_pattern:npm test*"],
      channel_source: "slack",
    });
    expect(task.channel_metadata.slack_channel_id).toBe("CSUBMIT");
    await until("the task's thread message", () =>
      apis.fake
        .slackCalls("chat.postMessage")
        .some(
          (c) =>
            c.body.channel === "CSUBMIT" &&
            c.body.thread_ts === task.channel_metadata.slack_thread_ts &&
            String(c.body.text).includes("Task submitted"),
        ),
    );
  }, 60_000);
});
