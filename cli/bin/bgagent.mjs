#!/usr/bin/env node
// `bgagent hook ...` runs on every agent tool call: load only the small hook bundle for it.
if (process.argv[2] === "hook") await import("../dist/hook.mjs");
else await import("../dist/bgagent.mjs");
