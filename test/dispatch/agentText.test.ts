/**
 * Agent text is data: what an agent writes (pr_url, error tails, event metadata) reaches Slack and
 * GitHub with no live mention, link, image or broadcast, whatever it contains.
 */
import { describe, expect, it } from "vitest";
import { mdCode, mdFence, renderComment } from "../../src/dispatch/github";
import type { EventType } from "../../src/shared/events";
import type { TaskEvent, TaskView } from "../../src/shared/types";
import { agentLink, agentText } from "../../src/slack/blocks/format";
import { agentError, gateTampered, terminal } from "../../src/slack/blocks/taskMessages";
import { checkPrUrl } from "../../src/task/prUrl";
import { githubLive, slackLive } from "../helpers/liveMarkup";

const HOSTILE = [
  "<!channel> deploy now",
  "<!here|here> <!everyone>",
  "ping <@U012ABCDEF> and <#C0123|general>",
  "click <https://evil.example/login|https://github.com/acme/widgets/pull/1>",
  "plain https://evil.example/x and www.evil.example",
  "@channel @here @team please look",
  "&lt;!channel&gt; pre-escaped",
  "![pixel](https://evil.example/track.png) [docs](https://evil.example)",
  "```\n@team closes the fence\n```\n@org/security [x](https://evil.example)",
  "````` five <img src=x onerror=alert(1)> | a | table |",
];

const task = {
  task_id: "01JAAAAAAAAAAAAAAAAAAAAAAA",
  repo: "acme/widgets",
  issue_number: 3,
  status: "FAILED",
  created_at: "2026-11-30T10:00:00.000Z",
  started_at: "2026-11-30T10:00:01.000Z",
  completed_at: "2026-11-30T10:01:00.000Z",
  pr_url: null,
  cost_usd: null,
  error_message: null,
} as unknown as TaskView;
const event = (type: EventType, metadata: Record<string, unknown> = {}): TaskEvent => ({
  event_id: "01JEEEEEEEEEEEEEEEEEEEEEEE",
  task_id: task.task_id,
  event_type: type,
  metadata,
  created_at: "2026-11-30T10:01:00.000Z",
});

describe("Slack: agent text never notifies or links", () => {
  it.each(HOSTILE)("agentText(%j)", (s) => {
    expect(slackLive(agentText(s))).toEqual([]);
  });

  it.each(HOSTILE)("in an agent_error, a failed task and a gate_tampered message: %j", (s) => {
    const messages = [
      agentError(task, event("agent_error", { error_type: s, message_preview: s })),
      terminal({ ...task, error_message: s }, event("task_failed")),
      gateTampered(task, event("gate_tampered", { file: s })),
    ];
    for (const m of messages) {
      expect(slackLive(m.text)).toEqual([]);
      expect(slackLive(JSON.stringify(m.blocks))).toEqual([]);
    }
  });

  it("links a plain https pr_url and shows anything else as text", () => {
    expect(agentLink("https://github.com/acme/widgets/pull/1")).toBe(
      "<https://github.com/acme/widgets/pull/1|https://github.com/acme/widgets/pull/1>",
    );
    const m = terminal({ ...task, pr_url: "https://github.com/acme/widgets/pull/1|<!channel>" }, event("task_completed"));
    expect(m.text).not.toContain("<!channel>");
    expect(m.text).not.toMatch(/<https/);
  });
});

describe("GitHub: agent text stays code", () => {
  it.each(HOSTILE)("the error tail in the comment: %j", (s) => {
    const body = renderComment({ ...task, error_message: `agent exited with code 1: ${s}` }, event("task_failed"));
    expect(githubLive(body)).toEqual([]);
    expect(body).toContain(s); // shown whole, inside the fence
  });

  it.each(HOSTILE)("a gate_tampered file name: %j", (s) => {
    expect(githubLive(renderComment({ ...task, status: "RUNNING" } as TaskView, event("gate_tampered", { file: s })))).toEqual([]);
  });

  it("fences that the text cannot close", () => {
    const s = "a ``` b\n`````\nc";
    const block = mdFence(s);
    expect(block.startsWith("``````text\n")).toBe(true);
    expect(block.endsWith("\n``````")).toBe(true);
    expect(mdCode("x `` y")).toBe("``` x `` y ```");
    expect(mdCode("a\nb|c")).toBe("` a b\u2223c `");
  });
});

describe("pr_url: an https URL of the task's repo on the GitHub host", () => {
  const base = "https://github.com/";
  it.each([
    ["https://github.com/acme/widgets/pull/12", "https://github.com/acme/widgets/pull/12"],
    ["https://github.com/Acme/Widgets/pull/12", "https://github.com/Acme/Widgets/pull/12"],
    ["https://github.com/acme/widgets", "https://github.com/acme/widgets"],
  ])("accepts %s", (raw, want) => {
    expect(checkPrUrl(raw, "acme/widgets", base)).toEqual({ url: want });
  });

  it.each([
    "http://github.com/acme/widgets/pull/1",
    "https://evil.example/acme/widgets/pull/1",
    "https://github.com.evil.example/acme/widgets/pull/1",
    "https://github.com@evil.example/acme/widgets/pull/1",
    "https://user:pw@github.com/acme/widgets/pull/1",
    "https://github.com/acme/widgets-evil/pull/1",
    "https://github.com/acme/other/pull/1",
    "https://github.com/acme/widgets/../other/pull/1",
    "https://github.com/acme/widgets/pull/1?x=<!channel>",
    "https://github.com/acme/widgets/pull/1#<!channel>",
    "https://github.com/acme/widgets/pull/1|<!channel>",
    "https://github.com:8443/acme/widgets/pull/1",
    "javascript:alert(1)//github.com/acme/widgets",
    "<!channel>",
    "",
    42,
    null,
    `https://github.com/acme/widgets/${"a".repeat(500)}`,
  ])("refuses %j", (raw) => {
    expect(checkPrUrl(raw, "acme/widgets", base)).toHaveProperty("problem");
  });

  it("follows GITHUB_WEB_BASE_URL (GitHub Enterprise under a path)", () => {
    expect(checkPrUrl("https://ghe.corp/git/acme/widgets/pull/2", "acme/widgets", "https://ghe.corp/git")).toEqual({
      url: "https://ghe.corp/git/acme/widgets/pull/2",
    });
    expect(checkPrUrl("https://github.com/acme/widgets/pull/2", "acme/widgets", "https://ghe.corp/git/")).toHaveProperty("problem");
  });
});
