/** Entry of the hook bundle (cli/dist/hook.mjs): `bgagent hook pre-tool-use | stop`. */
import { decision, preToolUse } from "./preToolUse";
import { stopHook } from "./stop";

const which = process.argv[3] ?? process.argv[2];
const run = which === "stop" ? stopHook : which === "pre-tool-use" ? preToolUse : null;
if (!run) {
  process.stderr.write("usage: bgagent hook pre-tool-use|stop  (reads Claude Code hook JSON on stdin)\n");
  process.exitCode = 2;
} else {
  run().catch((err) => {
    // Last line of defence: a PreToolUse hook that fails must still deny.
    if (run === preToolUse) process.stdout.write(`${decision("deny", `fail-closed: ${String(err)}`)}\n`);
  });
}
