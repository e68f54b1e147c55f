/**
 * Long-poll callers parked on an approval, woken the moment it closes. In memory only: clients
 * re-poll at least every 25 s, so an evicted object loses nothing.
 */
export class Waiters {
  private readonly parked = new Map<string, Set<() => void>>();

  /** Resolves when `wake(requestId)` is called or after `waitS` seconds, whichever is first. */
  park(requestId: string, waitS: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const set = this.parked.get(requestId) ?? new Set();
      this.parked.set(requestId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.parked.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, waitS * 1000);
      set.add(done);
    });
  }

  wake(requestIds: readonly string[]): void {
    for (const rid of requestIds) for (const w of [...(this.parked.get(rid) ?? [])]) w();
  }

  count(requestId: string): number {
    return this.parked.get(requestId)?.size ?? 0;
  }
}
