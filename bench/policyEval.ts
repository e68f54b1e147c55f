// In-process cost of one policy evaluation, shell parse included (hard + soft tiers), with the same
// engine code the Worker runs (src/policy over cedar-wasm and tree-sitter-bash; Node's WASM builds).
import { checker, readBlueprint } from "../cli/src/policy";

const CALLS: Array<[string, Record<string, unknown>]> = [
  ["Read", { file_path: "src/index.ts" }],
  ["Bash", { command: "npm test -- --run && git status" }],
  ["Bash", { command: "git push --force origin main" }],
  ["Write", { file_path: "src/app.ts", content: "x" }],
  ["Bash", { command: 'for f in src/*.ts; do sed -i "s/foo/bar/" "$f"; done' }],
  ["Bash", { command: "cd packages/api && npx tsc --noEmit 2>&1 | head -50" }],
  ["Bash", { command: "git add -A && git commit -m 'fix: flaky test' && git push -u origin fix/flaky" }],
];

export async function benchPolicyEval(iterations: number): Promise<number[]> {
  const ck = await checker(readBlueprint(undefined), []);
  for (let i = 0; i < 200; i++) ck.check(...CALLS[i % CALLS.length], false);
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    ck.check(...CALLS[i % CALLS.length], false);
    out.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return out;
}
