/** cedar-wasm in workerd: the /web build, initialised synchronously from the bundled module. */
import * as cedar from "@cedar-policy/cedar-wasm/web";
// @ts-expect-error the package's .wasm.d.ts types instance exports; wrangler and vitest hand us a WebAssembly.Module
import wasmModule from "../../node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm";
import hard from "../../policies/hard.cedar";
import schema from "../../policies/schema.cedarschema";
import soft from "../../policies/soft.cedar";
import type { CedarApi } from "./cedar";
import type { PolicySources } from "./loader";

let ready = false;

export function workerCedar(): CedarApi {
  if (!ready) {
    cedar.initSync({ module: wasmModule as WebAssembly.Module });
    ready = true;
  }
  return cedar;
}

export const BUILTIN_POLICIES: PolicySources = { hard, soft, schema };
