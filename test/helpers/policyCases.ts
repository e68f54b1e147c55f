import allow from "../../policies/tests/allow.jsonl";
import approval from "../../policies/tests/approval.jsonl";
import attacks from "../../policies/tests/attacks.jsonl";
import deny from "../../policies/tests/deny.jsonl";
import everyday from "../../policies/tests/everyday.jsonl";
import redteam from "../../policies/tests/redteam.jsonl";

export interface PolicyCase {
  name: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  read_only?: boolean;
  /** Where the call runs (absolute paths; the repo is at /workspace/repo by default). */
  context?: { cwd?: string; repo_dir?: string; home?: string; tmpdir?: string };
  expect: "allow" | "deny" | "require_approval";
  rules: string[];
}

const parse = (text: string): PolicyCase[] =>
  text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as PolicyCase);

export const POLICY_CASES = {
  allow: parse(allow),
  deny: parse(deny),
  approval: parse(approval),
  attacks: parse(attacks),
  everyday: parse(everyday),
  redteam: parse(redteam),
};
