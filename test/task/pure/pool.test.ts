import { describe, expect, it } from "vitest";
import { Handover, poolKey, repoMatches } from "../../../src/task/pool";

describe("runner pools", () => {
  it.each([
    // [globs, repo, matches] — the same rule as SQLite GLOB in the claim query
    [null, "any/repo", true],
    [["acme/*"], "acme/web", true],
    [["acme/*"], "ACME/Web", true],
    [["acme/*"], "acme-evil/web", false],
    [["acme/*"], "other/acme", false],
    [["acme/web-?"], "acme/web-1", true],
    [["acme/web-?"], "acme/web-12", false],
    [["acme/a.b"], "acme/axb", false], // a dot is a dot
    [["acme/a.b"], "acme/a.b", true],
    [["*/tools"], "acme/tools", true],
    [["a*/x"], "a/b/x", true], // `*` spans a slash, as in GLOB
    [["acme/one", "tools/*"], "tools/cli", true],
  ])("limits %j take %s: %s", (globs, repo, matches) => {
    expect(repoMatches(globs, repo)).toBe(matches);
  });

  it("names one pool per set of limits, whatever their order or repeats", () => {
    expect(poolKey(["b/*", "a/*", "b/*"])).toBe(poolKey(["a/*", "b/*"]));
    expect(poolKey(["a/*"])).not.toBe(poolKey(["a/*", "b/*"]));
    expect(poolKey(null)).toBe("any");
  });
});

describe("the hand-over", () => {
  const task = (n: number) => ({ task_id: `t${n}`, repo: "acme/web" });

  it("gives a task to the longest-waiting runner, one task each", async () => {
    const h = new Handover();
    const first = h.wait(5_000);
    const second = h.wait(5_000);
    expect(h.offer(task(1))).toBe(true);
    expect(h.offer(task(2))).toBe(true);
    expect(await first).toEqual(task(1));
    expect(await second).toEqual(task(2));
    expect(h.counts()).toEqual({ waiting: 0, hints: 0, leased: 2 });
  });

  it("keeps a task offered while nobody waits for the next runner, once", async () => {
    const h = new Handover();
    expect(h.offer(task(1))).toBe(false);
    expect(h.offer(task(1))).toBe(false); // offered twice (two pools' worth): still one hint
    expect(h.counts().hints).toBe(1);
    expect(await h.wait(5_000)).toEqual(task(1));
    expect(await h.wait(10)).toBeNull();
  });

  it("drops hints nobody took within a minute (the task is still in D1)", async () => {
    let now = 0;
    const h = new Handover(5_000, () => now);
    h.offer(task(1));
    now = 60_001;
    expect(await h.wait(10)).toBeNull();
  });

  it("offers a leased task again when its claim call never settles it", async () => {
    const h = new Handover(20);
    const gone = h.wait(5_000);
    h.offer(task(1));
    expect(await gone).toEqual(task(1)); // ...and that caller never settles
    const next = await h.wait(1_000);
    expect(next).toEqual(task(1));
    h.settle("t1");
    expect(h.counts()).toEqual({ waiting: 0, hints: 0, leased: 0 });
  });

  it("does not offer a settled task again", async () => {
    const h = new Handover(20);
    const w = h.wait(5_000);
    h.offer(task(1));
    await w;
    h.settle("t1");
    expect(await h.wait(100)).toBeNull();
  });
});
