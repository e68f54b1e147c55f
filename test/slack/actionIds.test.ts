import { describe, expect, it } from "vitest";
import {
  approveActionId,
  approveSessionActionId,
  cancelTaskActionId,
  denyActionId,
  denyReasonCallbackId,
  parseApprovalAction,
  parseCancelAction,
  parseViewInputAction,
  ROUTES,
  viewInputActionId,
} from "../../src/slack/actionIds";

const T = "01JTASKAAAAAAAAAAAAAAAAAAA";
const R = "01JREQAAAAAAAAAAAAAAAAAAAA";

describe("action and callback ids: built and read back in one place", () => {
  it.each([
    [approveActionId, "approve_action", ROUTES.approval],
    [approveSessionActionId, "approve_session_action", ROUTES.approval],
    [denyActionId, "deny_action", ROUTES.approval],
    [denyReasonCallbackId, "deny_reason", ROUTES.denyReason],
  ] as const)("%o reads back as %s and is routed", (build, verb, route) => {
    const id = build(T, R);
    expect(parseApprovalAction(id)).toEqual({ verb, task_id: T, request_id: R });
    expect(route.test(id)).toBe(true);
  });

  it("View full input and Cancel Task read back", () => {
    expect(parseViewInputAction(viewInputActionId(T, R))).toEqual({ task_id: T, request_id: R });
    expect(ROUTES.viewInput.test(viewInputActionId(T, R))).toBe(true);
    expect(parseCancelAction(cancelTaskActionId(T))).toBe(T);
    expect(ROUTES.cancelTask.test(cancelTaskActionId(T))).toBe(true);
  });

  it.each([
    `approve_action:${T}`,
    `approve_action:${T}:${R}:extra`,
    `approve_action:${T.toLowerCase()}:${R}`,
    `grant_all:${T}:${R}`,
    ` approve_action:${T}:${R}`,
  ])("refuses the forged or malformed id %j", (id) => {
    expect(parseApprovalAction(id)).toBeNull();
  });

  it("refuses ids of one kind read as another", () => {
    expect(parseViewInputAction(approveActionId(T, R))).toBeNull();
    expect(parseCancelAction(viewInputActionId(T, R))).toBeNull();
    expect(parseApprovalAction(cancelTaskActionId(T))).toBeNull();
  });
});
