import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CallWhere } from "../../../src/shared/rpc";
import { CliError } from "../client";
import { client, parseRepoRef } from "../context";
import { emit, humanDuration, table } from "../output";
import { checker, checkOutput, readBlueprint } from "../policy";

const collect = (v: string, prev: string[]) => [...prev, v];

interface RuleSummary {
  rule_id: string;
  tier: string;
  summary: string;
  severity: string;
  timeout_s: number | null;
  category: string | null;
  disabled?: boolean;
  builtin?: boolean;
}

const TIERS = ["hard", "soft", "blueprint"] as const;
/** hard / soft: the rule's tier; blueprint: the repo's own rules (either tier), not the built-in ones. */
const inTier = (tier: string | undefined) => (r: RuleSummary) =>
  tier === undefined || (tier === "blueprint" ? r.builtin === false : r.tier === tier);

function parseInput(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new CliError(`${where} is not valid JSON`, "USAGE");
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new CliError(`${where} must be a JSON object`, "USAGE");
  return v as Record<string, unknown>;
}

export function registerPolicy(program: Command): void {
  const policy = program.command("policy").description("policy tools that run locally");
  policy
    .command("check")
    .description("evaluate tool calls with the same engine and rules as the service")
    .option("--tool <name>", "tool name, e.g. Bash, Write, Edit, Read")
    .option("--input <json>", 'tool_input as JSON, e.g. \'{"command":"git push -f"}\'')
    .option("--read-only", "evaluate as a read-only task")
    .option("--repo-policy <file>", "a repo blueprint JSON (extra policies, disabled rules, ...)")
    .option("--scope <scope>", "a granted scope to include (repeatable)", collect, [])
    .option("--cwd <dir>", "the agent's working directory (absolute; the repo is at /workspace/repo)")
    .option("--cases <file>", 'JSON lines {"tool_name","tool_input","read_only"?,"context"?}; one result per line')
    .option("--json", "print JSON")
    .action(async (opts) => {
      const ck = await checker(readBlueprint(opts.repoPolicy), opts.scope);
      if (opts.cases) {
        const lines = readFileSync(opts.cases, "utf8")
          .split("\n")
          .filter((l) => l.trim());
        for (const [i, line] of lines.entries()) {
          const c = parseInput(line, `${opts.cases}:${i + 1}`);
          if (typeof c.tool_name !== "string" || !c.tool_input || typeof c.tool_input !== "object") {
            throw new CliError(`${opts.cases}:${i + 1}: needs tool_name and tool_input`, "USAGE");
          }
          const d = ck.check(
            c.tool_name,
            c.tool_input as Record<string, unknown>,
            c.read_only === true,
            c.context as CallWhere | undefined,
          );
          process.stdout.write(`${JSON.stringify(checkOutput(d))}\n`);
        }
        return;
      }
      if (!opts.tool || opts.input === undefined) throw new CliError("give --tool and --input, or --cases FILE", "USAGE");
      const where = opts.cwd ? { cwd: opts.cwd } : undefined;
      const d = checkOutput(ck.check(opts.tool, parseInput(opts.input, "--input"), Boolean(opts.readOnly), where));
      if (opts.json) process.stdout.write(`${JSON.stringify(d)}\n`);
      else {
        const extra = d.outcome === "require_approval" ? ` (severity ${d.severity}, times out in ${humanDuration(d.timeout_s ?? 0)})` : "";
        const does = d.effects.length ? `\n  does: ${d.effects.join(" · ")}` : "";
        process.stdout.write(`${d.outcome.toUpperCase()}: ${d.reason}${extra}${does}\n`);
      }
    });

  const policies = program.command("policies").description("the rules a repo's tasks run under");
  const fetchRules = async (repo: string) =>
    client().get<{ repo_id: string; policies: { hard: RuleSummary[]; soft: RuleSummary[] }; warnings: string[] }>(
      `/v1/repos/${parseRepoRef(repo).repo}/policies`,
    );
  policies
    .command("list")
    .description("list rules per tier")
    .requiredOption("--repo <repo>", "owner/repo")
    .option("--tier <tier>", "only this tier: hard, soft, or blueprint (the repo's own rules)")
    .option("--json", "print JSON")
    .action(async (opts) => {
      if (opts.tier !== undefined && !TIERS.includes(opts.tier)) throw new CliError(`--tier must be one of ${TIERS.join(", ")}`, "USAGE");
      const all = await fetchRules(opts.repo);
      const keep = inTier(opts.tier);
      const r = { ...all, policies: { hard: all.policies.hard.filter(keep), soft: all.policies.soft.filter(keep) } };
      emit(opts, r, () =>
        table([
          ["TIER", "RULE", "SEVERITY", "TIMEOUT", "SUMMARY"],
          ...[...r.policies.hard, ...r.policies.soft].map((x) => [
            x.tier,
            x.rule_id + (x.disabled ? " (disabled)" : ""),
            x.tier === "soft" ? x.severity : "-",
            x.timeout_s ? humanDuration(x.timeout_s) : "-",
            x.summary,
          ]),
        ]),
      );
    });
  policies
    .command("show")
    .description("show one rule")
    .argument("<rule>", "rule id")
    .requiredOption("--repo <repo>", "owner/repo")
    .option("--json", "print JSON")
    .action(async (ruleId: string, opts) => {
      const r = await fetchRules(opts.repo);
      const rule = [...r.policies.hard, ...r.policies.soft].find((x) => x.rule_id === ruleId);
      if (!rule) throw new CliError(`no rule ${ruleId} in ${opts.repo}`, "NOT_FOUND");
      emit(opts, rule, () =>
        Object.entries(rule)
          .map(([k, v]) => `${k.padEnd(10)} ${v ?? "-"}`)
          .join("\n"),
      );
    });
}
