/** The service's policy engine, run locally: cedar-wasm/nodejs over the same policies/ files. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { CedarApi } from "../../src/policy/cedar";
import { type Decision, type Engines, evaluate } from "../../src/policy/evaluate";
import { type LoadedPolicySet, loadPolicySet, type PolicySources } from "../../src/policy/loader";
import { formatScope, parseScope, scopeProblem } from "../../src/policy/scopes";
import { emptySession } from "../../src/policy/session";
import type { ShellParser } from "../../src/policy/shell/parser";
import { type Blueprint, BlueprintSchema } from "../../src/shared/blueprint";
import type { CallWhere } from "../../src/shared/rpc";
import { describeIssues } from "../../src/shared/zodIssues";
import { CliError } from "./client";

const policiesDir = () => fileURLToPath(new URL("../../policies/", import.meta.url));

function builtinSources(): PolicySources {
  const read = (f: string) => readFileSync(`${policiesDir()}${f}`, "utf8");
  return { hard: read("hard.cedar"), soft: read("soft.cedar"), schema: read("schema.cedarschema") };
}

let cedar: CedarApi | null = null;
function nodeCedar(): CedarApi {
  cedar ??= createRequire(import.meta.url)("@cedar-policy/cedar-wasm/nodejs") as CedarApi;
  return cedar;
}

let shell: Promise<ShellParser> | null = null;
/** tree-sitter-bash on web-tree-sitter in Node: the grammar's .wasm is read from its package. */
function nodeShell(): Promise<ShellParser> {
  shell ??= (async () => {
    const { Parser, Language } = await import("web-tree-sitter");
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve("tree-sitter-bash/tree-sitter-bash.wasm");
    const p = new Parser();
    p.setLanguage(await Language.load(readFileSync(wasm)));
    return p;
  })();
  return shell;
}

const nodeEngines = async (): Promise<Engines> => ({ cedar: nodeCedar(), shell: await nodeShell() });

export function readBlueprint(path: string | undefined): Blueprint {
  if (!path) return BlueprintSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`, "USAGE");
  }
  const parsed = BlueprintSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`${path}: ${describeIssues(parsed.error)}`, "USAGE");
  return parsed.data;
}

export interface Checker {
  set: LoadedPolicySet;
  check(toolName: string, toolInput: Record<string, unknown>, readOnly: boolean, where?: CallWhere): Decision;
}

export async function checker(blueprint: Blueprint, scopes: string[], repo = "local/check"): Promise<Checker> {
  const engines = await nodeEngines();
  const set = loadPolicySet(engines.cedar, builtinSources(), blueprint);
  const allowlist = scopes.map((raw) => {
    const p = parseScope(raw);
    const problem = p.ok ? scopeProblem(p.scope, blueprint.max_pre_approval_scope, set) : p.error;
    if (problem || !p.ok) throw new CliError(`--scope ${raw}: ${problem}`, "USAGE");
    return formatScope(p.scope);
  });
  const session = { ...emptySession(), allowlist };
  return {
    set,
    check: (tool_name, tool_input, read_only, where) =>
      evaluate(
        engines,
        set,
        session,
        { tool_name, tool_input, input_sha256: "local" },
        {
          repo,
          read_only,
          task_type: "new_task",
          approval_timeout_s: blueprint.approval_timeout_s,
          where,
        },
        Date.now(),
      ),
  };
}

/** The one JSON shape `bgagent policy check` prints per call. */
export const checkOutput = (d: Decision) => ({
  outcome: d.outcome,
  matching_rule_ids: d.matching_rule_ids,
  reason: d.reason,
  severity: d.severity,
  timeout_s: d.timeout_s,
  effects: d.effects,
});
