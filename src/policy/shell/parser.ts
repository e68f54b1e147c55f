/**
 * The shell parser the gate reads Bash commands with: tree-sitter-bash on web-tree-sitter, injected
 * like cedar-wasm so the same code runs in the Worker (shellWorker.ts) and in the CLI (Node).
 * Chosen over sh-syntax (mvdan/sh as WASM): it loads in workerd from bundled WASM modules, its parse
 * of short commands costs microseconds, and its error nodes let us treat what it cannot read as
 * opaque. Its quirks are handled in effects.ts (e.g. a heredoc's pipeline nested in the redirect).
 */
import type { Node, Tree } from "web-tree-sitter";

export type ShellNode = Node;

export interface ShellParser {
  /** Parse one command line; the caller deletes the tree (WASM memory is not garbage collected). */
  parse(src: string): Tree | null;
}
