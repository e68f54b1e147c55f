/**
 * Turns one tool call into the Cedar requests that describe it: invoke_tool always; write_file
 * for Write/Edit and for every file a Bash command writes; execute_bash for every simple command
 * (one per push target). Every context carries every schema attribute, read_only included.
 */
import { type BashPart, parseBash } from "./normalize/bash";
import { normalisePath } from "./normalize/path";

export interface CallContext {
  repo: string;
  read_only: boolean;
  task_type: string;
}

export type Subject = { kind: "tool" } | { kind: "bash"; text: string } | { kind: "write"; path: string };

export interface CedarRequest {
  action: "invoke_tool" | "write_file" | "execute_bash";
  resource: { type: string; id: string };
  context: Record<string, unknown>;
  subject: Subject;
}

export class ToolInputError extends Error {}

export const FILE_TOOLS: Record<string, string> = { Write: "file_path", Edit: "file_path", MultiEdit: "file_path", NotebookEdit: "notebook_path" };

function writeRequest(base: Record<string, unknown>, toolName: string, rawPath: string, viaBash: boolean): CedarRequest {
  const p = normalisePath(rawPath);
  return {
    action: "write_file",
    resource: { type: "Agent::File", id: "file" },
    context: { ...base, tool_name: toolName, file_path: p.path, file_name: p.name, outside_repo: p.outside_repo, via_bash: viaBash },
    subject: { kind: "write", path: p.path },
  };
}

function bashRequests(base: Record<string, unknown>, part: BashPart): CedarRequest[] {
  const targets = part.git?.targets.length ? part.git.targets : [""];
  return targets.map((target) => ({
    action: "execute_bash",
    resource: { type: "Agent::BashCommand", id: "command" },
    context: {
      ...base,
      command: part.text.replace(/\s+/g, " "),
      command_lc: part.text.replace(/\s+/g, " ").toLowerCase(),
      program: part.program,
      flags: part.flags,
      args: part.args,
      git_subcommand: part.git?.subcommand ?? "",
      git_force: part.git?.force ?? false,
      git_remote: part.git?.remote ?? "",
      git_target: target,
    },
    subject: { kind: "bash", text: part.text },
  }));
}

export function buildRequests(toolName: string, toolInput: Record<string, unknown>, ctx: CallContext): CedarRequest[] {
  const base = { task_type: ctx.task_type, repo: ctx.repo, read_only: ctx.read_only };
  const out: CedarRequest[] = [
    { action: "invoke_tool", resource: { type: "Agent::Tool", id: toolName }, context: { ...base, tool_name: toolName }, subject: { kind: "tool" } },
  ];
  const pathField = FILE_TOOLS[toolName];
  if (pathField) {
    const p = toolInput[pathField];
    if (typeof p !== "string" || !p.trim()) throw new ToolInputError(`${toolName} tool_input.${pathField} must be a non-empty string`);
    out.push(writeRequest(base, toolName, p, false));
  }
  if (toolName === "Bash") {
    const cmd = toolInput.command;
    if (typeof cmd !== "string") throw new ToolInputError("Bash tool_input.command must be a string");
    for (const part of parseBash(cmd)) {
      if (part.program) out.push(...bashRequests(base, part));
      for (const w of part.writes) out.push(writeRequest(base, "Bash", w, true));
    }
  }
  return out;
}
