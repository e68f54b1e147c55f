// Bundles the CLI into cli/dist/bgagent.mjs (run by `npm install`/`npm ci` through "prepare"),
// so `npx bgagent` and the Claude Code hook start without a TypeScript loader.
import { build } from "esbuild";

await build({
  entryPoints: [new URL("./src/bin.ts", import.meta.url).pathname],
  outfile: new URL("./dist/bgagent.mjs", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  external: ["@cedar-policy/cedar-wasm", "@cedar-policy/cedar-wasm/*"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
