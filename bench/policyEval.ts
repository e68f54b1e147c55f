// In-process cost of one policy evaluation (hard + soft tiers), with the CLI's Node engine.
import { checker, readBlueprint } from "../cli/src/policy";

export function benchPolicyEval(iterations: number): number[] {
  const ck = checker(readBlueprint(undefined), []);
  const calls: Array<[string, Record<string, unknown>]> = [
    ["Read", { file_path: "src/index.ts" }],
    ["Bash", { command: "npm test -- --run && git status" }],
    ["Bash", { command: "git push --force origin main" }],
    ["Write", { file_path: "src/app.ts", content: "x" }],
  ];
  for (let i = 0; i < 200; i++) ck.check(...calls[i % calls.length], false);
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    ck.check(...calls[i % calls.length], false);
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out;
}
