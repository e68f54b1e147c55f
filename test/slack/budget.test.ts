/**
 * The Block Kit budget: the cuts (budget.ts), the checker (budgetCheck.ts), and a property test
 * that feeds every builder worst-case inputs and checks what it builds against every limit.
 * A builder added later joins the property test with one line in BUILDERS.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ApprovalRecord } from "../../src/shared/approval";
import { TASK_STATUSES } from "../../src/shared/taskStatus";
import type { TaskEvent, TaskView } from "../../src/shared/types";
import {
  type ApprovalOutcome,
  approvalCard,
  cardList,
  decidedCard,
  requestedOf,
  sessionConfirmText,
} from "../../src/slack/blocks/approvalCard";
import { BUDGET, cut, cutMrkdwn, ELLIPSIS, joinCapped } from "../../src/slack/blocks/budget";
import { assertWithinBudget, budgetViolations, fitOrText } from "../../src/slack/blocks/budgetCheck";
import { denyModal } from "../../src/slack/blocks/denyModal";
import { button, context, section } from "../../src/slack/blocks/format";
import { type HomeTask, homeView } from "../../src/slack/blocks/homeView";
import { inputModal } from "../../src/slack/blocks/inputModal";
import { withTaskLine } from "../../src/slack/blocks/routed";
import { submitModal } from "../../src/slack/blocks/submitModal";
import { agentError, gateTampered, sessionStarted, taskCreated, terminal } from "../../src/slack/blocks/taskMessages";

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe("cuts", () => {
  it.each([
    ["fits: unchanged", "hello", 5, "hello"],
    ["cut with a visible ellipsis", "hello world", 6, `hello${ELLIPSIS}`],
    ["never half a surrogate pair", "ab😀cd", 4, `ab${ELLIPSIS}`],
    ["a pair that fits is kept", "ab😀cd", 5, `ab😀${ELLIPSIS}`],
  ])("cut: %s", (_name, s, max, want) => {
    expect(cut(s, max)).toBe(want);
    expect(cut(s, max).length).toBeLessThanOrEqual(max);
  });

  it.each([
    ["backs off an escape it would split", "ab &amp; cd", 6, `ab ${ELLIPSIS}`],
    ["keeps a whole escape", "ab &amp; cd", 9, `ab &amp;${ELLIPSIS}`],
    ["backs off a mention or link it would split", "hi <@U123|ann> there", 10, `hi ${ELLIPSIS}`],
    ["keeps a whole link", "<https://x.y|x> and more", 17, `<https://x.y|x> ${ELLIPSIS}`],
  ])("cutMrkdwn: %s", (_name, s, max, want) => {
    expect(cutMrkdwn(s, max)).toBe(want);
  });

  it.each([
    ["all fit", ["a", "b"], 10, "a, b"],
    ["says how many more", ["aaaa", "bbbb", "cccc", "dddd"], 20, `aaaa, ${ELLIPSIS} (+3 more)`],
    ["cuts a first item that alone is too long", ["x".repeat(50), "b"], 25, `${"x".repeat(11)}${ELLIPSIS}, ${ELLIPSIS} (+1 more)`],
  ])("joinCapped: %s", (_name, items, max, want) => {
    expect(joinCapped(items, ", ", max)).toBe(want);
    expect(joinCapped(items, ", ", max).length).toBeLessThanOrEqual(max);
  });

  it("the session confirm names as many rules as fit in 300 characters and how many more", () => {
    const ids = Array.from({ length: 30 }, (_, i) => `rule_${String(i).padStart(2, "0")}_${"x".repeat(50)}`);
    const text = sessionConfirmText(ids);
    expect(text.length).toBeLessThanOrEqual(BUDGET.confirmText);
    expect(text).toMatch(/^Later calls matching rule_00_x+, .*\(\+\d+ more\) will run without asking\.$/);
  });
});

describe("the budget checker refuses what Slack refuses", () => {
  const ok = { text: "t", blocks: [section("hi")] };
  const long = (n: number) => "x".repeat(n);
  const btn = (over: Record<string, unknown>) => ({ type: "actions", elements: [{ ...button("Go", "go"), ...over }] });

  it("a message within every limit passes", () => {
    expect(budgetViolations(ok)).toEqual([]);
    expect(() => assertWithinBudget(ok)).not.toThrow();
  });

  it.each<[string, object, RegExp]>([
    [
      "section text over 3,000",
      { blocks: [{ type: "section", text: { type: "mrkdwn", text: long(3001) } }] },
      /text\.text: 3001 characters, over 3000/,
    ],
    ["empty section text", { blocks: [{ type: "section", text: { type: "mrkdwn", text: "" } }] }, /empty/],
    ["half a surrogate pair", { blocks: [{ type: "section", text: { type: "mrkdwn", text: "a\ud83d" } }] }, /half a surrogate pair/],
    ["button text over 75", { blocks: [btn({ text: { type: "plain_text", text: long(76) } })] }, /over 75/],
    ["mrkdwn button text", { blocks: [btn({ text: { type: "mrkdwn", text: "x" } })] }, /text type mrkdwn not allowed/],
    ["button value over 2,000", { blocks: [btn({ value: long(2001) })] }, /value: 2001 characters/],
    ["action_id over 255", { blocks: [btn({ action_id: long(256) })] }, /action_id: 256 characters/],
    ["url over 3,000", { blocks: [btn({ url: `https://${long(3000)}` })] }, /url: 3008 characters/],
    [
      "confirm text over 300",
      {
        blocks: [
          {
            type: "actions",
            elements: [button("Go", "go", { confirm: { title: "T", text: long(400), yes: "Y" } })].map((b) => ({
              ...b,
              confirm: { ...(b.confirm as object), text: { type: "plain_text", text: long(301) } },
            })),
          },
        ],
      },
      /confirm\.text\.text: 301 characters/,
    ],
    ["header over 150", { blocks: [{ type: "header", text: { type: "plain_text", text: long(151) } }] }, /over 150/],
    ["51 blocks in a message", { blocks: Array.from({ length: 51 }, () => section("x")) }, /51 items, allowed 1–50/],
    [
      "11 context elements",
      { blocks: [{ type: "context", elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "x" })) }] },
      /11 items/,
    ],
    [
      "a repeated block_id",
      {
        blocks: [
          { ...section("a"), block_id: "b" },
          { ...section("c"), block_id: "b" },
        ],
      },
      /block_id: repeated/,
    ],
    [
      "a repeated action_id in a block",
      { blocks: [{ type: "actions", elements: [button("a", "x"), button("b", "x")] }] },
      /repeated in its block/,
    ],
    ["a block type it does not know", { blocks: [{ type: "video" }] }, /block type video has no budget/],
    [
      "an input block in a message",
      { blocks: [{ type: "input", label: { type: "plain_text", text: "L" }, element: { type: "plain_text_input", action_id: "a" } }] },
      /input blocks belong in views/,
    ],
    ["message text over 4,000", { text: long(4001) }, /message\.text: 4001/],
  ])("%s", (_name, subject, problem) => {
    expect(budgetViolations(subject).join("\n")).toMatch(problem);
    expect(() => assertWithinBudget(subject)).toThrow(/Block Kit budget exceeded/);
  });

  const modal = (over: Record<string, unknown>) => ({
    type: "modal",
    title: { type: "plain_text", text: "Title" },
    close: { type: "plain_text", text: "Close" },
    blocks: [section("x")],
    ...over,
  });
  it.each<[string, object, RegExp]>([
    ["a modal title over 24", modal({ title: { type: "plain_text", text: long(25) } }), /view\.title\.text: 25 characters, over 24/],
    ["101 blocks in a view", modal({ blocks: Array.from({ length: 101 }, () => section("x")) }), /101 items, allowed 0–100/],
    ["private_metadata over 3,000", modal({ private_metadata: long(3001) }), /private_metadata: 3001/],
    ["callback_id over 255", modal({ callback_id: long(256) }), /callback_id: 256/],
    [
      "max_length over 3,000",
      modal({
        submit: { type: "plain_text", text: "Go" },
        blocks: [
          {
            type: "input",
            label: { type: "plain_text", text: "L" },
            element: { type: "plain_text_input", action_id: "a", max_length: 3001 },
          },
        ],
      }),
      /max_length: must be a whole number 0–3000/,
    ],
    [
      "inputs without a submit button",
      modal({
        blocks: [{ type: "input", label: { type: "plain_text", text: "L" }, element: { type: "plain_text_input", action_id: "a" } }],
      }),
      /needs a submit button/,
    ],
    [
      "option text over 75",
      modal({
        blocks: [
          {
            type: "actions",
            elements: [{ type: "static_select", action_id: "s", options: [{ text: { type: "plain_text", text: long(76) }, value: "v" }] }],
          },
        ],
      }),
      /options\[0\]\.text\.text: 76/,
    ],
  ])("view: %s", (_name, view, problem) => {
    expect(budgetViolations(view).join("\n")).toMatch(problem);
  });

  it("fitOrText keeps a message that fits, and sends one that does not as its text alone", () => {
    expect(fitOrText(ok)).toEqual({ ...ok, problems: [] });
    const over = fitOrText({ text: long(3990), blocks: [{ type: "section", text: { type: "mrkdwn", text: long(3001) } }] });
    expect(over.blocks).toBeUndefined();
    expect(over.problems).toEqual(["message.blocks[0].text.text: 3001 characters, over 3000"]);
    expect(over.text.length).toBeLessThanOrEqual(BUDGET.messageText);
    expect(over.text).toMatch(/…\n_\(shown as text/);
    expect(budgetViolations({ text: over.text })).toEqual([]);
  });

  it("a bare block list is checked as a message's (50) or a view's (100)", () => {
    const blocks = Array.from({ length: 60 }, () => context("x"));
    expect(budgetViolations(blocks).join()).toMatch(/60 items, allowed 1–50/);
    expect(budgetViolations(blocks, "view")).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Worst cases for every builder.

/** Characters that grow when escaped, break markup, or are two UTF-16 units. */
const nasty = fc.constantFrom("&", "<", ">", "`", "@", "*", "_", "|", "😀", "👩‍👩‍👧", "é", "\u200b", "\u202e", "\n", "://", "www.", "a");
/** Long runs (up to 10k+ characters) of one nasty piece, unicode of any kind, or a mix. */
const worst = fc.oneof(
  fc.tuple(nasty, fc.integer({ min: 0, max: 12_000 })).map(([c, n]) => c.repeat(Math.ceil(n / c.length))),
  fc.string({ unit: "binary", maxLength: 400 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.array(nasty, { maxLength: 3000 }).map((a) => a.join("")),
  fc.constant(""),
);
const ruleId = fc.oneof(fc.stringMatching(/^[a-z0-9_]{1,64}$/), worst);
const ulid = fc.constant("01JAAAAAAAAAAAAAAAAAAAAAAA");
const iso = fc.constantFrom("2026-11-25T10:00:00.000Z", "2099-12-31T23:59:59.999Z");
const prUrl = fc.oneof(
  fc.integer({ min: 0, max: 3000 }).map((n) => `https://github.com/acme/widgets/pull/${"9".repeat(n + 1)}`),
  fc.integer({ min: 0, max: 6000 }).map((n) => `https://github.com/${"a".repeat(n)}/pull/1`),
  worst,
);

const taskArb: fc.Arbitrary<TaskView> = fc.record({
  task_id: ulid,
  user_id: fc.constant("u1"),
  repo: fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
  issue_number: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
  description: worst,
  status: fc.constant("RUNNING" as const),
  read_only: fc.boolean(),
  approval_timeout_s: fc.constant(300),
  approval_gate_cap: fc.constant(50),
  approval_gate_count: fc.constant(0),
  awaiting_approval_request_id: fc.constant(null),
  initial_approvals: fc.constant([]),
  channel_source: fc.constant("slack" as const),
  channel_metadata: fc.constant({}),
  runner_id: fc.constant(null),
  pr_url: fc.option(prUrl),
  error_message: fc.option(worst),
  cost_usd: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true })),
  cancel_requested: fc.boolean(),
  created_at: iso,
  updated_at: iso,
  started_at: fc.constant(null),
  completed_at: fc.constant(null),
  last_heartbeat_at: fc.constant(null),
  version: fc.constant(1),
});

const homeTaskArb: fc.Arbitrary<HomeTask> = fc.record({
  id: ulid,
  repo: fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
  issue_number: fc.option(fc.integer({ min: 1, max: 2 ** 31 })),
  description: worst,
  status: fc.constantFrom(...TASK_STATUSES),
  updated_at: iso,
  pr_url: fc.option(prUrl),
});

const recordArb: fc.Arbitrary<ApprovalRecord> = fc.record({
  request_id: ulid,
  task_id: ulid,
  user_id: fc.constant("u1"),
  repo: fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/),
  tool_name: worst,
  tool_input: fc.option(
    fc.oneof(
      worst.map((command) => ({ command })),
      fc.dictionary(worst, worst, { maxKeys: 8 }),
    ),
  ),
  tool_input_preview: worst,
  tool_input_sha256: fc.constant("h"),
  effects: fc.array(worst, { maxLength: 30 }),
  reason: worst,
  severity: fc.constantFrom("low", "medium", "high"),
  matching_rule_ids: fc.array(ruleId, { maxLength: 60 }),
  status: fc.constant("PENDING" as const),
  timeout_s: fc.integer({ min: 30, max: 3600 }),
  created_at: iso,
  expires_at: iso,
  decided_at: fc.constant(null),
  decided_by: fc.constant(null),
  scope: fc.constant(null),
  deny_reason: fc.constant(null),
  decided_role: fc.constant(null),
  version: fc.constant(1),
});

const role = fc.constantFrom("owner" as const, "approver" as const);

const outcomeArb: fc.Arbitrary<ApprovalOutcome> = fc.oneof(
  fc.record({ status: fc.constant("APPROVED" as const), by: fc.constantFrom("<@U0123>", "`u_0123`"), role, at: iso, scope: worst }),
  fc.record({ status: fc.constant("DENIED" as const), by: fc.constantFrom("<@U0123>", "`u_0123`"), role, at: iso, reason: worst }),
  fc.record({ status: fc.constantFrom("TIMED_OUT" as const, "CANCELLED" as const, "STRANDED" as const), at: iso }),
);

const eventArb = (types: TaskEvent["event_type"][]): fc.Arbitrary<TaskEvent> =>
  fc.record({
    event_id: ulid,
    task_id: ulid,
    event_type: fc.constantFrom(...types),
    created_at: iso,
    metadata: fc.record(
      {
        duration_s: fc.integer({ min: 0, max: 10 ** 9 }),
        error_message: worst,
        error_type: worst,
        message_preview: worst,
        pr_url: prUrl,
        file: worst,
        prior_status: worst,
      },
      { requiredKeys: [] },
    ),
  });

/** Every builder, as (worst-case input) -> what goes to Slack. New builders add a line here. */
const BUILDERS: Array<[string, fc.Arbitrary<object>]> = [
  [
    "approvalCard",
    fc
      .tuple(taskArb, recordArb, fc.boolean())
      .map(([t, a, buttons]) => approvalCard(t, requestedOf(a), buttons ? ["low", "medium", "high"] : [])),
  ],
  ["decidedCard", fc.tuple(taskArb, recordArb, outcomeArb).map(([t, a, o]) => decidedCard(t, requestedOf(a), o))],
  ["inputModal", recordArb.map((a) => inputModal(a))],
  [
    "denyModal",
    fc
      .tuple(worst, worst)
      .map(([reason, tool]) =>
        denyModal(
          `deny_reason:${"A".repeat(26)}:${"B".repeat(26)}`,
          JSON.stringify({ response_url: "https://hooks.slack.com/actions/T1/1/abc" }),
          `Deny \`${tool}\`?\n_${reason}_`,
        ),
      ),
  ],
  ["taskCreated", taskArb.map((t) => taskCreated(t))],
  ["sessionStarted", taskArb.map((t) => sessionStarted(t))],
  [
    "terminal",
    fc
      .tuple(taskArb, eventArb(["task_completed", "task_failed", "task_cancelled", "task_timed_out", "task_stranded"]))
      .map(([t, e]) => terminal(t, e)),
  ],
  ["agentError", fc.tuple(taskArb, eventArb(["agent_error"])).map(([t, e]) => agentError(t, e))],
  ["gateTampered", fc.tuple(taskArb, eventArb(["gate_tampered"])).map(([t, e]) => gateTampered(t, e))],
  [
    "cardList (/bgagent pending)",
    fc
      .array(fc.tuple(taskArb, recordArb), { maxLength: 8 })
      .map((pairs) => ({
        text: "pending",
        blocks: cardList(
          pairs.map(([t, a], i) => approvalCard(t, requestedOf({ ...a, request_id: `01J${String(i).padStart(23, "0")}` }), ["medium"])),
          "`bgagent pending`",
        ),
      }))
      .filter((m) => m.blocks.length > 0),
  ],
  [
    "DM / approval-channel card (withTaskLine)",
    fc.tuple(taskArb, recordArb).map(([t, a]) => withTaskLine(approvalCard(t, requestedOf(a), ["medium"]), t, "<@U0123>")),
  ],
  [
    "homeView",
    fc
      .tuple(
        fc.array(fc.tuple(recordArb, role), { maxLength: 30 }),
        fc.array(homeTaskArb, { maxLength: 40 }),
        fc.array(homeTaskArb, { maxLength: 10 }),
        fc.option(worst),
      )
      .map(([pending, active, finished, notice]) =>
        homeView(
          {
            linked: true,
            user_id: "u1",
            pending: pending.map(([a, r], i) => ({ ...a, role: r, request_id: `01J${String(i).padStart(23, "0")}` })),
            active,
            finished,
          },
          ["medium"],
          notice ?? undefined,
        ),
      ),
  ],
  [
    "submitModal",
    fc
      .record({
        repos: fc.array(fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/), { maxLength: 150 }),
        initialText: worst,
      })
      .map(({ repos, initialText }) =>
        submitModal({
          repos: [...new Set(repos)],
          initialRepo: repos[0] ?? null,
          initialText,
          privateMetadata: JSON.stringify({ c: "C1" }),
        }),
      ),
  ],
];

describe("every builder stays within the budget, whatever it is fed", () => {
  it.each(BUILDERS)("%s", (_name, built) => {
    fc.assert(
      fc.property(built, (out) => {
        assertWithinBudget(out);
        expect(LONE.test(JSON.stringify(out).replace(/\\u[0-9a-f]{4}/g, ""))).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it("the pending list keeps whole cards under 50 blocks and says how many more there are", () => {
    const card = { text: "c", blocks: Array.from({ length: 8 }, () => section("x")) };
    const blocks = cardList(
      Array.from({ length: 8 }, () => card),
      "`bgagent pending`",
    );
    expect(blocks.length).toBeLessThanOrEqual(BUDGET.messageBlocks);
    expect(blocks.filter((b) => b.type === "divider")).toHaveLength(5);
    expect(JSON.stringify(blocks.at(-1))).toContain("…and 3 more — `bgagent pending`");
    expect(cardList([card, card], "x").filter((b) => b.type === "context")).toHaveLength(0);
  });

  it("the worst case the issue names: many long rule ids, a 10k command, a long agent error, a long PR url", () => {
    const ids = Array.from({ length: 40 }, (_, i) => `rule_${i}_${"z".repeat(58)}`.slice(0, 64));
    const a = {
      ...fc.sample(recordArb, { numRuns: 1, seed: 1 })[0],
      matching_rule_ids: ids,
      tool_input: { command: `echo ${"😀".repeat(5000)}` },
      effects: [],
    };
    const card = approvalCard({ task_id: a.task_id, repo: "acme/widgets" }, requestedOf(a), ["low", "medium", "high"]);
    assertWithinBudget(card);
    const t = { ...fc.sample(taskArb, { numRuns: 1, seed: 2 })[0], pr_url: `https://github.com/acme/widgets/pull/${"1".repeat(2800)}` };
    assertWithinBudget(
      terminal({ ...t, error_message: "E".repeat(20_000) }, { ...({} as TaskEvent), event_type: "task_failed", metadata: {} }),
    );
    assertWithinBudget(terminal(t, { ...({} as TaskEvent), event_type: "task_completed", metadata: {} }));
    assertWithinBudget(
      agentError(t, { ...({} as TaskEvent), event_type: "agent_error", metadata: { message_preview: "E".repeat(20_000) } }),
    );
    assertWithinBudget(
      terminal(
        { ...t, pr_url: `https://x.y/${"a".repeat(9000)}`, error_message: "E".repeat(20_000) },
        { ...({} as TaskEvent), event_type: "task_failed", metadata: {} },
      ),
    );
  });
});
