// The production bundle as `wrangler deploy` would upload it, measured one way for the bench
// (`bundle_gzip_kib`) and for CI (fails over the limit). Offline: `wrangler deploy --dry-run` needs
// no account. The measure is each uploaded module gzipped, summed (source maps are not uploaded);
// that is a little more than one gzip over all of them, so the check errs on the safe side.
//
//   node bench/bundleSize.mjs [--max-bytes N] [--from DIR]   (exit 1 when over; default limit 5 MB)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

/** Cloudflare's limit on the compressed Worker upload we hold ourselves to: 5 MB. */
export const MAX_GZIP_BYTES = 5_000_000;

const root = fileURLToPath(new URL("..", import.meta.url));

/** Build the upload into a fresh directory with `wrangler deploy --dry-run --outdir`. */
export function buildBundle() {
  const outdir = mkdtempSync(join(tmpdir(), "bgagent-bundle-"));
  const r = spawnSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${r.stderr || r.stdout}`);
  return outdir;
}

/** Gzipped bytes of every file the upload contains (everything but source maps). */
export function gzipBytes(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith(".map"))
    .reduce((n, e) => n + gzipSync(readFileSync(join(e.parentPath, e.name))).length, 0);
}

export const bundleGzipKib = (dir = buildBundle()) => +(gzipBytes(dir) / 1024).toFixed(1);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { "max-bytes": { type: "string" }, from: { type: "string" } } });
  const max = values["max-bytes"] ? Number(values["max-bytes"]) : MAX_GZIP_BYTES;
  const bytes = gzipBytes(values.from ?? buildBundle());
  const over = bytes > max;
  console.log(`bundle: ${(bytes / 1024).toFixed(1)} KiB gzipped, limit ${(max / 1024).toFixed(1)} KiB: ${over ? "TOO LARGE" : "ok"}`);
  process.exit(over ? 1 : 0);
}
