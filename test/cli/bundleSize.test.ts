/** bench/bundleSize.mjs: the one measure of the upload (bench's bundle_gzip_kib and the CI limit). */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const script = join(import.meta.dirname, "..", "..", "bench", "bundleSize.mjs");
const exec = promisify(execFile);

function fixture(): { dir: string; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), "bgagent-bundle-test-"));
  mkdirSync(join(dir, "nested"));
  const files: [string, string][] = [
    ["index.js", "export default {};\n".repeat(500)],
    ["nested/x.wasm", "\u0000asm".repeat(2000)],
  ];
  for (const [f, text] of files) writeFileSync(join(dir, f), text);
  writeFileSync(join(dir, "index.js.map"), "x".repeat(100_000)); // not uploaded, not counted
  return { dir, bytes: files.reduce((n, [, text]) => n + gzipSync(Buffer.from(text)).length, 0) };
}

const run = (args: string[]) =>
  exec("node", [script, ...args]).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e) => ({ code: e.code as number, out: e.stdout as string }),
  );

describe("bundle size check", () => {
  it("counts every uploaded file gzipped, source maps excluded, and passes under the limit", async () => {
    const { dir, bytes } = fixture();
    const r = await run(["--from", dir, "--max-bytes", String(bytes)]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`bundle: ${(bytes / 1024).toFixed(1)} KiB gzipped`);
  });

  it("fails (exit 1) one byte over the limit", async () => {
    const { dir, bytes } = fixture();
    const r = await run(["--from", dir, "--max-bytes", String(bytes - 1)]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("TOO LARGE");
  });
});
