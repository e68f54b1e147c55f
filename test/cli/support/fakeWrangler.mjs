#!/usr/bin/env node
// A stand-in for `wrangler` 4.86 in the deploy tests: it records its argv (and stdin for `secret put`)
// and answers the account commands as wrangler does, from a JSON state file (FAKE_WRANGLER_STATE):
// {databases:[{uuid,name}], queues:[name], secrets:[name]|null, loggedIn, failOn?, calls:[]}.
// Output shapes follow wrangler-dist/cli.js: `d1 list --json` prints the API objects as JSON,
// `queues list` a cli-table3 table, `secret list` JSON [{name,type}], `deploy` its targets.
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const file = process.env.FAKE_WRANGLER_STATE;
const state = JSON.parse(readFileSync(file, "utf8"));
const argv = process.argv.slice(2);
const stdin = argv[0] === "secret" && argv[1] === "put" ? readFileSync(0, "utf8") : undefined;
state.calls.push(stdin === undefined ? { argv } : { argv, stdin });
const save = () => writeFileSync(file, JSON.stringify(state, null, 2));
const out = (s) => process.stdout.write(`${s}\n`);
const die = (msg) => {
  save();
  process.stderr.write(`\n✘ [ERROR] ${msg}\n\n`);
  process.exit(1);
};
// The subcommand: the words before the first flag (`deploy --config x` is "deploy").
const words = argv.findIndex((a) => a.startsWith("-"));
const cmd = (words === -1 ? argv : argv.slice(0, words)).slice(0, 2).join(" ");

if (!state.loggedIn) {
  die(
    "In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable for wrangler to work. Please go to https://developers.cloudflare.com/fundamentals/api/get-started/create-token/ for instructions on how to create an api token, and assign its value to CLOUDFLARE_API_TOKEN.",
  );
}
if (state.failOn && cmd === state.failOn) die(`A request to the Cloudflare API failed. (${cmd}) [code: 10000]`);

function table(rows) {
  // cli-table3 as wrangler's logger.table drives it: the columns come from the first row, so no rows means no table.
  if (rows.length === 0) return "┌┐\n└┘";
  const head = Object.keys(rows[0] ?? {});
  const widths = head.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)) + 2);
  const line = (l, m, r) => l + widths.map((w) => "─".repeat(w)).join(m) + r;
  const row = (cells) => `│${cells.map((c, i) => ` ${String(c).padEnd(widths[i] - 1)}`).join("│")}│`;
  const body = rows.flatMap((r, i) => [...(i ? [line("├", "┼", "┤")] : []), row(head.map((h) => r[h]))]);
  return [line("┌", "┬", "┐"), row(head), line("├", "┼", "┤"), ...body, line("└", "┴", "┘")].join("\n");
}

switch (cmd) {
  case "d1 list":
    out(
      JSON.stringify(
        state.databases.map((d) => ({
          uuid: d.uuid,
          name: d.name,
          created_at: "2026-11-01T10:00:00.000Z",
          version: "production",
          num_tables: 12,
          file_size: 94208,
        })),
        null,
        2,
      ),
    );
    break;
  case "d1 create": {
    const name = argv[2];
    if (state.databases.some((d) => d.name === name)) die(`A database with that name already exists [code: 7502]`);
    const uuid = randomUUID();
    state.databases.push({ uuid, name });
    out(`\n ⛅️ wrangler 4.86.0\n───────────────────\n✅ Successfully created DB '${name}' in region WEUR\nCreated your new D1 database.\n`);
    out(
      `To access your new D1 Database in your Worker, add the following snippet to your configuration file:\n[[d1_databases]]\nbinding = "${name}"\ndatabase_name = "${name}"\ndatabase_id = "${uuid}"`,
    );
    break;
  }
  case "queues list":
    out(" ⛅️ wrangler 4.86.0\n───────────────────");
    out(
      table(
        state.queues.map((q, i) => ({
          id: `0${i}`.padStart(32, "a"),
          name: q,
          created_on: "2026-11-01T10:00:00.000Z",
          modified_on: "2026-11-01T10:00:00.000Z",
          producers: "1",
          consumers: "1",
        })),
      ),
    );
    break;
  case "queues create":
    state.queues.push(argv[2]);
    out(
      `🌀 Creating queue '${argv[2]}'\n✅ Created queue '${argv[2]}'\n\nConfigure your Worker to send messages to this queue:\n\n[[queues.producers]]\nqueue = "${argv[2]}"\nbinding = "${argv[2].replace(/-/g, "_")}"`,
    );
    break;
  case "secret list":
    if (state.secrets === null) {
      die(
        'Worker "bgagent" not found.\n\nIf this is a new Worker, run `wrangler deploy` first to create it.\nOtherwise, check that the Worker name is correct and you\'re logged into the right account.',
      );
    }
    out(
      JSON.stringify(
        state.secrets.map((name) => ({ name, type: "secret_text" })),
        null,
        "  ",
      ),
    );
    break;
  case "secret put":
    // Before the first deploy wrangler creates a draft Worker to hold the secret.
    if (state.secrets === null) state.secrets = [];
    if (!state.secrets.includes(argv[2])) state.secrets.push(argv[2]);
    out(`🌀 Creating the secret for the Worker "bgagent" \n✨ Success! Uploaded secret ${argv[2]}`);
    break;
  case "d1 migrations":
    out("Migrations to be applied:\n│ 0001_init.sql │\n🚣 Executed 6 migrations\n✅ 0001_init.sql");
    break;
  case "deploy":
    state.deployed = true;
    out(
      "Total Upload: 4468.74 KiB / gzip: 1457.64 KiB\nUploaded bgagent (4.12 sec)\nDeployed bgagent triggers (1.02 sec)\n  https://bgagent.acme-team.workers.dev\n  schedule: */5 * * * *\nCurrent Version ID: 3f1c2b7a-0000-4000-8000-000000000000",
    );
    break;
  default:
    die(`fake wrangler: unexpected command ${argv.join(" ")}`);
}
save();
