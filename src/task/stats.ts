/**
 * Gate statistics: every answer counted in the DO (allowed calls are most calls, so they are
 * counted, not recorded as events), written to D1 within seconds by the alarm, and one data point
 * per answer to Workers Analytics Engine when bound. Statistics never change a decision.
 */
import { log } from "../shared/log";
import type { GateInput, GateResponse } from "../shared/rpc";
import type { TaskStorage } from "./storage";

/** Count one answer; true when the alarm must be re-armed to write the counts. */
export function countGate(
  store: TaskStorage,
  analytics: AnalyticsEngineDataset | undefined,
  input: GateInput,
  r: GateResponse,
  ms: number,
): boolean {
  try {
    // A call that needed a human counts as require_approval, whatever the human then said.
    const outcome = r.request_id ? "require_approval" : r.outcome;
    const rearm = store.countGate(outcome, Date.now());
    const blobs = [outcome, input.tool_name, r.matching_rule_ids.join(",")];
    analytics?.writeDataPoint({ indexes: [store.task()?.repo ?? ""], blobs, doubles: [ms] });
    return rearm;
  } catch (err) {
    log("gate.stats_failed", { error: String(err) }, "warn");
    return false;
  }
}
