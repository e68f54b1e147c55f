/** tree-sitter-bash in workerd: both WASM files arrive as compiled modules (workerd cannot compile bytes at run time). */
import { Language, Parser } from "web-tree-sitter";
// @ts-expect-error as above
import bashWasm from "../../../node_modules/tree-sitter-bash/tree-sitter-bash.wasm";
// @ts-expect-error wrangler and vitest hand us a WebAssembly.Module for a .wasm import
import runtimeWasm from "../../../node_modules/web-tree-sitter/web-tree-sitter.wasm";
import type { ShellParser } from "./parser";

let parser: Promise<ShellParser> | null = null;

async function load(): Promise<ShellParser> {
  await Parser.init({
    instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) {
      WebAssembly.instantiate(runtimeWasm as WebAssembly.Module, imports).then((instance) => done(instance, runtimeWasm));
      return {};
    },
  } as never);
  const p = new Parser();
  p.setLanguage(Language.loadSync(bashWasm as WebAssembly.Module));
  return p;
}

/** One parser per isolate, loaded on first use (about 30 ms once). A failed load is retried next time. */
export function workerShell(): Promise<ShellParser> {
  parser ??= load().catch((err) => {
    parser = null;
    throw err;
  });
  return parser;
}
