/** The gate's engines as the Worker loads them (cedar-wasm/web and tree-sitter-bash from bundled WASM). */
import { workerCedar } from "../../src/policy/cedarWorker";
import type { Engines } from "../../src/policy/evaluate";
import { workerShell } from "../../src/policy/shell/shellWorker";

export const engines: Engines = { cedar: workerCedar(), shell: await workerShell() };
