/**
 * The layers point one way (DESIGN §2, README "Architecture"): this reads the import statements of
 * every source file and fails on an import that goes against the direction.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SCANNED = ["src", "cli/src", "cli/dev", "bench", "test"];

/** Which folders a folder must not import from (prefixes of repo-relative paths). */
const FORBIDDEN: Array<{ from: string; to: string[]; why: string }> = [
  { from: "src/shared/", to: ["src/"], why: "shared is the leaf: it imports nothing else from src/" },
  {
    from: "src/policy/",
    to: ["src/task/", "src/store/", "src/api/", "src/slack/", "src/dispatch/", "src/env", "src/index"],
    why: "policy is pure",
  },
  {
    from: "src/store/",
    to: ["src/task/", "src/api/", "src/slack/", "src/dispatch/", "src/policy/", "src/index"],
    why: "store uses only shared",
  },
  { from: "src/task/", to: ["src/api/", "src/slack/", "src/dispatch/", "src/index"], why: "task is below the edges" },
  {
    from: "src/slack/",
    to: ["src/api/", "src/dispatch/", "src/index"],
    why: "Slack handlers call task services, not routes or dispatchers",
  },
  {
    from: "src/dispatch/",
    to: ["src/api/", "src/task/", "src/slack/handlers/", "src/slack/app", "src/index"],
    why: "dispatch uses Slack builders and store",
  },
  { from: "src/api/", to: ["src/dispatch/", "src/slack/", "src/index"], why: "routes call task services and store" },
  {
    from: "cli/src/",
    to: ["src/task/", "src/store/", "src/api/", "src/slack/", "src/dispatch/", "src/env", "src/index"],
    why: "the CLI uses src/policy and src/shared only",
  },
  { from: "cli/dev/", to: ["test/"], why: "dev code uses cli/dev/support, never test/" },
  { from: "bench/", to: ["test/"], why: "bench uses cli/dev/support, never test/" },
];
/** shared may import itself, of course. */
const ALLOWED_WITHIN = ["src/shared/"];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Relative import specifiers of a file: static imports and re-exports, side-effect imports, dynamic imports. */
function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2]);
  return specs.filter((s) => s.startsWith("."));
}

/** Repo-relative path an import resolves to (extension dropped). */
const resolve = (file: string, spec: string): string => normalize(join(dirname(file), spec)).replace(/\.(ts|mts|mjs|js)$/, "");

function violations(edges: Array<[string, string]>): string[] {
  const out: string[] = [];
  for (const [from, to] of edges) {
    for (const rule of FORBIDDEN) {
      if (!from.startsWith(rule.from)) continue;
      if (ALLOWED_WITHIN.some((a) => from.startsWith(a) && to.startsWith(a))) continue;
      if (rule.to.some((t) => to.startsWith(t))) out.push(`${from} -> ${to} (${rule.why})`);
    }
  }
  return out;
}

function allEdges(): Array<[string, string]> {
  return SCANNED.flatMap(sourceFiles).flatMap((file) =>
    importsOf(readFileSync(join(ROOT, file), "utf8")).map((spec): [string, string] => [
      file,
      relative(ROOT, join(ROOT, resolve(file, spec))),
    ]),
  );
}

describe("architecture: imports point one way", () => {
  const edges = allEdges();

  it("reads the imports it checks (the scan is not empty by accident)", () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual(["src/api/tasks/create.ts", "src/task/service"]);
    expect(edges).toContainEqual(["src/slack/handlers/mention.ts", "src/task/service"]);
    expect(edges).toContainEqual(["cli/dev/demo.ts", "cli/dev/support/e2e"]);
  });

  it("finds every kind of import statement", () => {
    const text = [
      'import { a } from "../x";',
      'import type { B } from "./y";',
      "import {\n  c,\n  d,\n} from '../../z';",
      'export { e } from "./w";',
      'import "./side";',
      'const m = await import("../dyn");',
      'import { z } from "zod";',
    ].join("\n");
    expect(importsOf(text)).toEqual(["../x", "./y", "../../z", "./w", "./side", "../dyn"]);
  });

  it("flags a forbidden direction", () => {
    expect(violations([["src/slack/handlers/mention.ts", "src/api/tasks/create"]])).toHaveLength(1);
    expect(violations([["src/shared/types.ts", "src/task/transitions"]])).toHaveLength(1);
    expect(violations([["bench/slackAndLoad.ts", "test/helpers/e2e"]])).toHaveLength(1);
    expect(violations([["src/shared/types.ts", "src/shared/events"]])).toEqual([]);
    expect(violations([["src/api/tasks/create.ts", "src/task/service"]])).toEqual([]);
  });

  it("no file imports against the direction", () => {
    expect(violations(edges)).toEqual([]);
  });
});
