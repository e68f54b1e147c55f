/**
 * POST /v1/tasks/{id}/gate?wait=<s> (task token) {tool_name, tool_input}: the policy decision for
 * one tool call. require_approval creates an approval; with wait > 0 the call holds for a decision.
 * Always 200 with a decision for a valid call: deny carries a reason the agent can read.
 */
import { z } from "zod";
import { AppError, ok, type Result } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { log } from "../../shared/log";
import type { GateResponse } from "../../shared/rpc";
import { taskStub } from "../../task/service";
import { parseBody, parseQuery } from "../body";
import type { AppContext } from "../context";
import { respondResult } from "../envelope";
import { taskIdParam } from "./get";

const AbsPath = z.string().max(4096).regex(/^\//, "must be an absolute path");

const Body = z
  .object({
    tool_name: z.string().min(1).max(100),
    tool_input: z.record(z.string(), z.unknown()),
    /** Where the call runs (absolute paths, from the agent's hook): relative paths and `cd` resolve against it. */
    context: z.object({ cwd: AbsPath, repo_dir: AbsPath, home: AbsPath, tmpdir: AbsPath }).partial().strict().optional(),
  })
  .strict();

export const WaitQuery = z.object({ wait: z.coerce.number().min(0).max(LIMITS.approvalWaitS).default(0) });

export async function gateRoute(c: AppContext) {
  const id = taskIdParam(c);
  const { wait } = parseQuery(c, WaitQuery);
  const body = await parseBody(c, Body, LIMITS.toolInputBytes + 1024);
  if (JSON.stringify(body.tool_input).length > LIMITS.toolInputBytes) {
    throw new AppError("VALIDATION_ERROR", 400, `tool_input exceeds ${LIMITS.toolInputBytes} bytes.`);
  }
  const started = Date.now();
  let result: Result<GateResponse>;
  try {
    result = await taskStub(c.env, id).gate(c.get("actor"), body, wait);
  } catch (err) {
    // The task's object could not be reached (overloaded, reset mid-call): an answer the agent can read, and it is no.
    log("gate.unavailable", { request_id: c.get("requestId"), task_id: id, error: String(err) }, "error");
    result = ok({
      outcome: "deny",
      reason: "fail-closed: the gate is unavailable right now; retry the tool call shortly",
      matching_rule_ids: [],
    });
  }
  const ms = Date.now() - started;
  // Time in the TaskDO (policy evaluation included), so benchmarks can separate it from the proxy in front.
  c.header("Server-Timing", `gate;dur=${ms}`);
  if (result.ok) {
    const d = result.data;
    // Allowed calls are most calls: counted in metrics, logged only at debug.
    log(
      "gate.decision",
      {
        request_id: c.get("requestId"),
        task_id: id,
        tool_name: body.tool_name,
        outcome: d.outcome,
        rule_ids: d.matching_rule_ids,
        approval_request_id: d.request_id,
        ms,
      },
      d.outcome === "allow" ? "debug" : "info",
    );
    c.set("logged", true);
  }
  return respondResult(c, result);
}
