import allow from "../../policies/tests/allow.jsonl";
import approval from "../../policies/tests/approval.jsonl";
import deny from "../../policies/tests/deny.jsonl";

export interface PolicyCase {
  name: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  read_only?: boolean;
  expect: "allow" | "deny" | "require_approval";
  rules: string[];
}

const parse = (text: string): PolicyCase[] =>
  text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PolicyCase);

export const POLICY_CASES = { allow: parse(allow), deny: parse(deny), approval: parse(approval) };
