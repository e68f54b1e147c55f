/**
 * The cedar-wasm functions the engine uses. Injected, so the same engine runs in the Worker
 * (cedar-wasm/web, see cedarWorker.ts) and in the CLI (cedar-wasm/nodejs).
 */
import type * as CedarWasm from "@cedar-policy/cedar-wasm/web";

export type CedarApi = Pick<
  typeof CedarWasm,
  | "policySetTextToParts"
  | "policyToJson"
  | "validate"
  | "checkParseSchema"
  | "preparsePolicySet"
  | "preparseSchema"
  | "statefulIsAuthorized"
>;

export type DetailedError = CedarWasm.DetailedError;
export const messages = (errors: DetailedError[]): string => errors.map((e) => e.message).join("; ");
