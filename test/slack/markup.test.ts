import { describe, expect, it } from "vitest";
import { decodeSlackText, withoutBotMention } from "../../src/slack/markup";
import { parseMention } from "../../src/slack/parse";

describe("decodeSlackText: Slack markup to the text a person typed", () => {
  it.each([
    ["plain text", "fix the flaky test", "fix the flaky test"],
    ["entities", "a &amp;&amp; b &lt; c &gt; d", "a && b < c > d"],
    ["an entity decoded once only", "&amp;lt;", "&lt;"],
    ["a labelled link", "see <https://x.test/a|the doc>", "see the doc (https://x.test/a)"],
    ["a bare link", "see <https://x.test/a>", "see https://x.test/a"],
    ["an auto-linked domain keeps what was typed", "<http://example.com|example.com>", "example.com"],
    ["a link labelled with itself", "<https://x.test|https://x.test>", "https://x.test"],
    ["entities inside a link", "<https://x.test/?a=1&amp;b=2|a &amp; b>", "a & b (https://x.test/?a=1&b=2)"],
    ["mailto", "<mailto:a@b.test|a@b.test>", "a@b.test"],
    ["a user mention", "ask <@U123ABC>", "ask @U123ABC"],
    ["a user mention with a name", "ask <@U123ABC|alice>", "ask @alice"],
    ["a channel mention", "in <#C123|ops>", "in #ops"],
    ["a channel mention without name", "in <#C123>", "in #C123"],
    ["here / channel / everyone", "<!here> <!channel> <!everyone>", "@here @channel @everyone"],
    ["a user group", "<!subteam^S123|@oncall> and <!subteam^S456>", "@oncall and @S456"],
    ["a date shows its fallback", "by <!date^1700000000^{date}|Nov 14>", "by Nov 14"],
    ["an unclosed bracket stays", "a < b", "a < b"],
    ["no markup inside decoded entities", "&lt;@U1&gt; &lt;!here&gt;", "<@U1> <!here>"],
  ])("%s", (_, input, want) => expect(decodeSlackText(input)).toBe(want));
});

describe("withoutBotMention", () => {
  it.each([
    ["<@UBOT> fix it", "UBOT", "  fix it"],
    ["hey <@UBOT|bgagent> fix it <@UBOT>", "UBOT", "hey   fix it  "],
    ["<@UBOT> ask <@U2>", undefined, "  ask <@U2>"],
    ["ask <@U2> to fix it", undefined, "ask <@U2> to fix it"],
    ["<@UBOT> fix it", "U.*", "  fix it"],
  ])("%j (bot %s)", (input, bot, want) => expect(withoutBotMention(input, bot)).toBe(want));

  it("keeps other people's mentions as @names in the task text", () => {
    const text = decodeSlackText(withoutBotMention("<@UBOT> acme/widgets ask <@U2|bob> about <https://x.test|this> &amp; fix", "UBOT"));
    expect(parseMention(text)).toEqual({
      repo: "acme/widgets",
      issue_number: null,
      description: "ask @bob about this (https://x.test) & fix",
    });
  });
});
