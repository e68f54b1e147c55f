// Bundles the CLI (run by `npm install`/`npm ci` through "prepare"), so `npx bgagent` and the
// Claude Code hooks start without a TypeScript loader:
//   cli/dist/bgagent.mjs  every command
//   cli/dist/hook.mjs     only the hooks: no commander, no zod, so the per-tool-call start is short
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // WASM packages load their .wasm files from their own folders: keep them out of the bundle.
  external: ["@cedar-policy/cedar-wasm", "@cedar-policy/cedar-wasm/*", "web-tree-sitter", "tree-sitter-bash"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
};
const here = (p) => new URL(p, import.meta.url).pathname;

await build({ ...common, entryPoints: [here("./src/bin.ts")], outfile: here("./dist/bgagent.mjs") });
await build({ ...common, entryPoints: [here("./src/hook/main.ts")], outfile: here("./dist/hook.mjs"), minify: true });
