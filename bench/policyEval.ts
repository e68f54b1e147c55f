// In-process cost of one policy evaluation, shell parse included (hard + soft tiers), with the same
// engine code the Worker runs (src/policy over cedar-wasm and tree-sitter-bash; Node's WASM builds).
// Every call is new (a counter in each input), so the per-isolate rule cache never answers: these
// are the costs of a call the gate has not seen; repeated calls are answered from the cache.
import { checker, readBlueprint } from "../cli/src/policy";

const CALLS: Array<(n: number) => [string, Record<string, unknown>]> = [
  (n) => ["Read", { file_path: `src/index${n}.ts` }],
  (n) => ["Bash", { command: `npm test -- --run t${n} && git status` }],
  (n) => ["Bash", { command: `git push --force origin main${n}` }],
  (n) => ["Write", { file_path: `src/app${n}.ts`, content: "x" }],
  (n) => ["Bash", { command: `for f in src/*.ts; do sed -i "s/foo${n}/bar/" "$f"; done` }],
  (n) => ["Bash", { command: `cd packages/api${n} && npx tsc --noEmit 2>&1 | head -50` }],
  (n) => ["Bash", { command: `git add -A && git commit -m 'fix: flaky test ${n}' && git push -u origin fix/flaky` }],
];

const WARM_UP = 3000;

export async function benchPolicyEval(iterations: number): Promise<{ cold: number[]; cached: number[] }> {
  const ck = await checker(readBlueprint(undefined), []);
  // Warm up as a live isolate is: V8 keeps optimising the walker for the first ~2,000 checks, and
  // those compile pauses (not the checks) made the p99 of a 200-call warm-up (~3 ms) here.
  for (let i = 0; i < WARM_UP; i++) ck.check(...CALLS[i % CALLS.length](-i), false);
  const cold: number[] = [];
  const cached: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const call = CALLS[i % CALLS.length](i);
    let t = process.hrtime.bigint();
    ck.check(...call, false);
    cold.push(Number(process.hrtime.bigint() - t) / 1000);
    t = process.hrtime.bigint();
    ck.check(...call, false);
    cached.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return { cold, cached };
}
