// Runs cli/dev/demo.ts (bundled on the fly with esbuild: no TypeScript loader needed).

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_METRICS = "false";
const outfile = join(mkdtempSync(join(tmpdir(), "bgagent-demo-build-")), "demo.mjs");
await build({
  entryPoints: [new URL("./demo.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  define: { "import.meta.url": JSON.stringify(pathToFileURL(new URL("./demo.ts", import.meta.url).pathname).href) },
  logLevel: "warning",
});
await import(outfile);
