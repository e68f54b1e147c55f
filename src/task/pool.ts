/**
 * Runner pools: the runners that may claim the same tasks (the same repo limits) wait together in
 * one RunnerPoolDO. The pool only hands out hints (task ids); the task's own DO decides the claim,
 * and D1 stays the list of what is claimable, so a pool that forgets (eviction, restart) loses
 * nothing but speed. Pure parts, plus the in-memory hand-over the DO runs.
 */

/** A task a pool hands to one waiting runner. */
export interface Offer {
  task_id: string;
  repo: string;
}

/**
 * A pool's name: one per distinct set of repo globs (sorted, deduplicated), and one for runners
 * without limits. Runners with the same limits share a pool and so compete for the same tasks.
 */
export const poolKey = (globs: readonly string[] | null): string => (globs ? `repos:${JSON.stringify([...new Set(globs)].sort())}` : "any");

/**
 * SQLite GLOB on the repo (lower case) as `claimCandidates` (store/tasks.ts) matches it: `*` any run of characters
 * (slash included), `?` one character. The globs hold only owner/name characters, `*` and `?`
 * (checked when the runner is created), so there are no `[` classes to mirror.
 */
export function repoMatches(globs: readonly string[] | null, repo: string): boolean {
  if (!globs) return true;
  const r = repo.toLowerCase();
  return globs.some((g) =>
    new RegExp(
      `^${g
        .replace(/[.+^${}()|[\]\\-]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
      "s",
    ).test(r),
  );
}

interface Waiter {
  resolve: (o: Offer | null) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** How long a hint for nobody is kept: a runner that arrives later finds the task in D1 anyway. */
export const HINT_TTL_MS = 60_000;
/** Most hints kept; beyond this the oldest go (they are still in D1). */
const MAX_HINTS = 1000;

/**
 * The hand-over. `offer` gives a task to the longest-waiting runner at once, or keeps it as a hint
 * for the next one to arrive. A handed-over task is leased: the claim call that took it settles it
 * once the task's DO answered; if it never does (its client went away, the Worker was cut off),
 * the lease runs out and the task goes to the next runner. The task's DO lets one claim win, so a
 * lease that runs out too early costs a wasted call, never a double claim.
 */
export class Handover {
  private readonly waiters: Waiter[] = [];
  private readonly hints = new Map<string, { offer: Offer; at: number }>();
  private readonly leased = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    public leaseMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The next task for a runner that waits up to `waitMs`; null when none came in time. */
  wait(waitMs: number): Promise<Offer | null> {
    this.prune();
    const first = this.hints.values().next();
    if (!first.done) {
      this.hints.delete(first.value.offer.task_id);
      this.lease(first.value.offer);
      return Promise.resolve(first.value.offer);
    }
    return new Promise((resolve) => {
      const w: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          resolve(null);
        }, waitMs),
      };
      this.waiters.push(w);
    });
  }

  /** A task became claimable. True when a waiting runner took it at once. */
  offer(o: Offer): boolean {
    if (this.leased.has(o.task_id) || this.hints.has(o.task_id)) return false;
    const w = this.waiters.shift();
    if (!w) {
      this.hints.set(o.task_id, { offer: o, at: this.now() });
      this.prune();
      return false;
    }
    clearTimeout(w.timer);
    this.lease(o);
    w.resolve(o);
    return true;
  }

  /** The claim call that took `taskId` is done with it (claimed, or found it gone). */
  settle(taskId: string): void {
    clearTimeout(this.leased.get(taskId));
    this.leased.delete(taskId);
  }

  counts(): { waiting: number; hints: number; leased: number } {
    this.prune();
    return { waiting: this.waiters.length, hints: this.hints.size, leased: this.leased.size };
  }

  private lease(o: Offer): void {
    this.leased.set(
      o.task_id,
      setTimeout(() => {
        this.leased.delete(o.task_id);
        this.offer(o);
      }, this.leaseMs),
    );
  }

  private prune(): void {
    const old = this.now() - HINT_TTL_MS;
    // Oldest first (insertion order), so the first one to keep ends the sweep.
    for (const [id, h] of this.hints) {
      if (h.at >= old && this.hints.size <= MAX_HINTS) break;
      this.hints.delete(id);
    }
  }
}
