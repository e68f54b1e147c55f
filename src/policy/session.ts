/**
 * Per-task policy session: the allowlist of granted scopes, the recent-decision caches and the
 * approval rate window. Plain data (persisted by the TaskDO, so it survives eviction) and pure
 * functions over it.
 */
export const CACHE_TTL_MS = 60_000;
export const CACHE_MAX_ENTRIES = 50;
export const RATE_LIMIT = 20;
export const RATE_WINDOW_MS = 60_000;

export interface CacheEntry {
  key: string;
  decision: "DENIED" | "TIMED_OUT";
  reason: string;
  at: number;
}

export interface PolicySession {
  allowlist: string[];
  /** (tool_name, sha256 of canonical input) -> last DENIED/TIMED_OUT. */
  input_cache: CacheEntry[];
  /** (tool_name, rule_id) -> last DENIED. */
  rule_cache: CacheEntry[];
  /** Times of recent new approval gates, for the rate limit. */
  gate_times: number[];
}

export const emptySession = (): PolicySession => ({ allowlist: [], input_cache: [], rule_cache: [], gate_times: [] });

export const inputKey = (tool: string, sha: string) => `${tool}\u0000${sha}`;
export const ruleKey = (tool: string, rule: string) => `${tool}\u0000${rule}`;

export function cacheHit(entries: CacheEntry[], key: string, now: number): CacheEntry | null {
  const e = entries.find((x) => x.key === key);
  return e && now - e.at < CACHE_TTL_MS ? e : null;
}

/** Insert or refresh an entry; expired ones drop out and the oldest go past the cap (LRU). */
export function cachePut(entries: CacheEntry[], entry: CacheEntry): CacheEntry[] {
  const kept = entries.filter((e) => e.key !== entry.key && entry.at - e.at < CACHE_TTL_MS);
  return [...kept, entry].slice(-CACHE_MAX_ENTRIES);
}

export const recentGates = (s: PolicySession, now: number): number[] => s.gate_times.filter((t) => now - t < RATE_WINDOW_MS);
