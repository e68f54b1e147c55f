/** Retry calls to the service across restarts and blips: network errors and 5xx back off; 4xx do not. */
import { CliError } from "../client";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withRetry<T>(what: string, fn: () => Promise<T>, log: (m: string) => void, maxWaitMs = 5 * 60_000): Promise<T> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = err instanceof CliError && (err.code === "UNREACHABLE" || err.status >= 500 || err.status === 429);
      if (!retryable || Date.now() - start > maxWaitMs) throw err;
      const delay = Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
      log(`${what} failed (${(err as Error).message}); retrying in ${Math.round(delay / 1000)}s`);
      await sleep(delay);
    }
  }
}
