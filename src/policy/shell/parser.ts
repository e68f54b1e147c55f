/**
 * The shell parser the gate reads Bash commands with: tree-sitter-bash on web-tree-sitter, injected
 * like cedar-wasm so the same code runs in the Worker (shellWorker.ts) and in the CLI (Node).
 * Chosen over sh-syntax (mvdan/sh as WASM): it loads in workerd from bundled WASM modules, its parse
 * of short commands costs microseconds, and its error nodes let us treat what it cannot read as
 * opaque. Its quirks are handled in effects.ts (e.g. a heredoc's pipeline nested in the redirect).
 */
import type { Tree, TreeCursor } from "web-tree-sitter";

export interface ShellParser {
  /** Parse one command line; the caller deletes the tree (WASM memory is not garbage collected). */
  parse(src: string): Tree | null;
}

/**
 * A syntax node copied out of the WASM tree. web-tree-sitter hands out a fresh wrapper (and a call
 * into WASM) for every `children`, `text` or field access, and the walker reads nodes many times:
 * that garbage was most of a check's cost and all of its tail (young-generation GCs). One cursor walk
 * copies the tree into these plain objects, and the WASM tree is freed at once.
 */
export class ShellNode {
  readonly children: ShellNode[] = [];
  readonly namedChildren: ShellNode[] = [];
  hasError: boolean;
  #text: string | undefined;

  constructor(
    private readonly src: string,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    /** The grammar field this node fills in its parent (`name`, `argument`, `redirect`, ...). */
    readonly field: string | null,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.hasError = isMissing || type === "ERROR";
  }

  get text(): string {
    this.#text ??= this.src.slice(this.start, this.end);
    return this.#text;
  }

  childForFieldName(field: string): ShellNode | null {
    return this.children.find((c) => c.field === field) ?? null;
  }

  childrenForFieldName(field: string): ShellNode[] {
    return this.children.filter((c) => c.field === field);
  }

  add(child: ShellNode): void {
    this.children.push(child);
    if (child.isNamed) this.namedChildren.push(child);
    if (child.hasError) this.hasError = true;
  }
}

/** Parses `src` into plain nodes; null when the parser gives up. */
export function parseShell(parser: ShellParser, src: string): ShellNode | null {
  const tree = parser.parse(src);
  if (!tree) return null;
  const cursor = tree.walk();
  try {
    return copyNode(cursor, src);
  } finally {
    cursor.delete();
    tree.delete();
  }
}

// Indices from web-tree-sitter are UTF-16 offsets into the string it was given, like String#slice.
function copyNode(cursor: TreeCursor, src: string): ShellNode {
  const node = new ShellNode(
    src,
    cursor.nodeType,
    cursor.nodeIsNamed,
    cursor.nodeIsMissing,
    cursor.currentFieldName ?? null,
    cursor.startIndex,
    cursor.endIndex,
  );
  if (cursor.gotoFirstChild()) {
    do node.add(copyNode(cursor, src));
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  return node;
}
