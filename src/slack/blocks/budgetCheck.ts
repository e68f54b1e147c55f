/**
 * Checks a message, a block list or a view against the Block Kit budget (budget.ts): every limit,
 * recursively, the way Slack would refuse it (`invalid_blocks`). Pure. Tests run every builder's
 * worst case through it; dispatch uses it as a last guard before posting. A block or element type
 * it does not know is a violation, so a new kind of block gets its limits written down here first.
 *
 *   assertWithinBudget(approvalCard(...))            // a message: { text?, blocks }
 *   assertWithinBudget(inputModal(record))           // a view: { type: "modal" | "home", ... }
 *   assertWithinBudget(blocks, "view")               // a bare block list, counted as a view's
 */
import { BUDGET as B, cut } from "./budget";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

class Checker {
  readonly problems: string[] = [];
  readonly blockIds = new Set<string>();

  bad(path: string, what: string): void {
    this.problems.push(`${path}: ${what}`);
  }

  /** A string field: present when required, at most `max` units, not empty, no half surrogate pair. */
  str(v: unknown, path: string, max: number, required = false): v is string {
    if (v === undefined) {
      if (required) this.bad(path, "missing");
      return false;
    }
    if (typeof v !== "string") {
      this.bad(path, "not a string");
      return false;
    }
    if (!v.length) this.bad(path, "empty");
    if (v.length > max) this.bad(path, `${v.length} characters, over ${max}`);
    if (LONE_SURROGATE.test(v)) this.bad(path, "half a surrogate pair");
    return true;
  }

  /** A text object; `plainOnly` where Slack takes plain_text only (buttons, titles, labels, headers). */
  text(v: unknown, path: string, max: number, plainOnly: boolean, required = true): void {
    if (v === undefined) {
      if (required) this.bad(path, "missing");
      return;
    }
    if (!isObj(v)) {
      this.bad(path, "not a text object");
      return;
    }
    if (v.type !== "plain_text" && (plainOnly || v.type !== "mrkdwn")) this.bad(path, `text type ${String(v.type)} not allowed here`);
    if (v.type === "mrkdwn" && "emoji" in v) this.bad(path, "emoji is for plain_text only");
    this.str(v.text, `${path}.text`, max, true);
  }

  list(v: unknown, path: string, min: number, max: number): unknown[] {
    if (!Array.isArray(v)) {
      this.bad(path, "not a list");
      return [];
    }
    if (v.length < min || v.length > max) this.bad(path, `${v.length} items, allowed ${min}–${max}`);
    return v;
  }

  confirm(v: unknown, path: string): void {
    if (v === undefined) return;
    if (!isObj(v)) {
      this.bad(path, "not a confirm object");
      return;
    }
    this.text(v.title, `${path}.title`, B.confirmTitle, true);
    this.text(v.text, `${path}.text`, B.confirmText, false);
    this.text(v.confirm, `${path}.confirm`, B.confirmButton, true);
    this.text(v.deny, `${path}.deny`, B.confirmButton, true);
  }

  options(v: unknown, path: string, min: number, max: number): void {
    this.list(v, path, min, max).forEach((o, i) => {
      const p = `${path}[${i}]`;
      if (!isObj(o)) {
        this.bad(p, "not an option");
        return;
      }
      this.text(o.text, `${p}.text`, B.optionText, false);
      this.str(o.value, `${p}.value`, B.optionValue, true);
      this.text(o.description, `${p}.description`, B.optionDescription, false, false);
      this.str(o.url, `${p}.url`, B.url);
    });
  }

  element(e: unknown, path: string, actionIds: Set<string>): void {
    if (!isObj(e)) {
      this.bad(path, "not an element");
      return;
    }
    if (e.type === "image") {
      this.str(e.image_url, `${path}.image_url`, B.url, true);
      this.str(e.alt_text, `${path}.alt_text`, B.imageAltText, true);
      return;
    }
    if (this.str(e.action_id, `${path}.action_id`, B.actionId)) {
      if (actionIds.has(e.action_id as string)) this.bad(`${path}.action_id`, "repeated in its block");
      actionIds.add(e.action_id as string);
    }
    this.confirm(e.confirm, `${path}.confirm`);
    const placeholder = () => this.text(e.placeholder, `${path}.placeholder`, B.placeholder, true, false);
    switch (e.type) {
      case "button":
        this.text(e.text, `${path}.text`, B.buttonText, true);
        this.str(e.value, `${path}.value`, B.buttonValue);
        this.str(e.url, `${path}.url`, B.url);
        if (e.style !== undefined && e.style !== "primary" && e.style !== "danger") this.bad(`${path}.style`, "primary or danger only");
        return;
      case "static_select":
      case "multi_static_select":
        placeholder();
        this.options(e.options, `${path}.options`, 1, B.selectOptions);
        return;
      case "overflow":
        this.options(e.options, `${path}.options`, 1, B.overflowOptions);
        return;
      case "radio_buttons":
      case "checkboxes":
        this.options(e.options, `${path}.options`, 1, B.radioOptions);
        return;
      case "users_select":
      case "multi_users_select":
      case "conversations_select":
      case "multi_conversations_select":
      case "channels_select":
      case "multi_channels_select":
      case "external_select":
      case "datepicker":
      case "timepicker":
        placeholder();
        return;
      case "plain_text_input": {
        placeholder();
        const { max_length: maxLen, min_length: minLen, initial_value: initial } = e;
        for (const [k, n] of [
          ["max_length", maxLen],
          ["min_length", minLen],
        ] as const) {
          if (n !== undefined && (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > B.plainTextInputMax))
            this.bad(`${path}.${k}`, `must be a whole number 0–${B.plainTextInputMax}`);
        }
        if (initial !== undefined) {
          const cap = typeof maxLen === "number" ? Math.min(maxLen, B.plainTextInputMax) : B.plainTextInputMax;
          if (typeof initial !== "string" || initial.length > cap) this.bad(`${path}.initial_value`, `longer than ${cap}`);
        }
        return;
      }
      default:
        this.bad(path, `element type ${String(e.type)} has no budget (add it to budgetCheck.ts)`);
        return;
    }
  }

  block(b: unknown, path: string, inView: boolean): void {
    if (!isObj(b)) {
      this.bad(path, "not a block");
      return;
    }
    if (this.str(b.block_id, `${path}.block_id`, B.blockId)) {
      if (this.blockIds.has(b.block_id as string)) this.bad(`${path}.block_id`, "repeated");
      this.blockIds.add(b.block_id as string);
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case "section":
        if (b.text === undefined && b.fields === undefined) this.bad(path, "a section needs text or fields");
        this.text(b.text, `${path}.text`, B.sectionText, false, false);
        if (b.fields !== undefined)
          for (const [i, f] of this.list(b.fields, `${path}.fields`, 1, B.sectionFields).entries())
            this.text(f, `${path}.fields[${i}]`, B.sectionField, false);
        if (b.accessory !== undefined) this.element(b.accessory, `${path}.accessory`, actionIds);
        return;
      case "context":
        this.list(b.elements, `${path}.elements`, 1, B.contextElements).forEach((e, i) => {
          const p = `${path}.elements[${i}]`;
          if (isObj(e) && e.type === "image") this.element(e, p, actionIds);
          else this.text(e, p, B.contextText, false);
        });
        return;
      case "actions":
        for (const [i, e] of this.list(b.elements, `${path}.elements`, 1, B.actionsElements).entries())
          this.element(e, `${path}.elements[${i}]`, actionIds);
        return;
      case "header":
        this.text(b.text, `${path}.text`, B.headerText, true);
        return;
      case "divider":
        return;
      case "image":
        this.str(b.image_url, `${path}.image_url`, B.url, true);
        this.str(b.alt_text, `${path}.alt_text`, B.imageAltText, true);
        this.text(b.title, `${path}.title`, B.imageTitle, true, false);
        return;
      case "input":
        if (!inView) this.bad(path, "input blocks belong in views");
        this.text(b.label, `${path}.label`, B.inputLabel, true);
        this.text(b.hint, `${path}.hint`, B.inputHint, true, false);
        this.element(b.element, `${path}.element`, actionIds);
        return;
      default:
        this.bad(path, `block type ${String(b.type)} has no budget (add it to budgetCheck.ts)`);
        return;
    }
  }

  blocks(v: unknown, path: string, max: number, inView: boolean): void {
    for (const [i, b] of this.list(v, path, inView ? 0 : 1, max).entries()) this.block(b, `${path}[${i}]`, inView);
  }

  view(v: Obj): void {
    if (v.type !== "modal" && v.type !== "home") this.bad("view.type", "modal or home");
    this.blocks(v.blocks, "view.blocks", B.viewBlocks, true);
    this.str(v.callback_id, "view.callback_id", B.callbackId);
    this.str(v.private_metadata, "view.private_metadata", B.privateMetadata);
    this.str(v.external_id, "view.external_id", B.externalId);
    if (v.type !== "modal") return;
    this.text(v.title, "view.title", B.viewTitle, true);
    this.text(v.close, "view.close", B.viewTitle, true, false);
    this.text(v.submit, "view.submit", B.viewTitle, true, false);
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((b) => isObj(b) && b.type === "input");
    if (hasInput && v.submit === undefined) this.bad("view.submit", "a modal with inputs needs a submit button");
  }
}

/** A message ({ text?, blocks }), a view ({ type: "modal" | "home", ... }) or a bare block list. */
export type BudgetSubject = object;

/** Everything in `subject` that passes a Block Kit limit, as "path: problem" lines (empty: fits). */
export function budgetViolations(input: BudgetSubject, as?: "message" | "view"): string[] {
  const c = new Checker();
  const subject = input as Obj;
  if (Array.isArray(input)) c.blocks(input, "blocks", as === "view" ? B.viewBlocks : B.messageBlocks, as === "view");
  else if (as === "view" || subject.type === "modal" || subject.type === "home") c.view(subject);
  else {
    if (subject.text === undefined && subject.blocks === undefined) c.bad("message", "needs text or blocks");
    c.str(subject.text, "message.text", B.messageText);
    if (subject.blocks !== undefined) c.blocks(subject.blocks, "message.blocks", B.messageBlocks, false);
  }
  return c.problems;
}

/** Throws, listing every violation, unless `subject` fits the budget. */
export function assertWithinBudget(subject: BudgetSubject, as?: "message" | "view"): void {
  const problems = budgetViolations(subject, as);
  if (problems.length) throw new Error(`Block Kit budget exceeded:\n${problems.join("\n")}`);
}

const AS_TEXT_NOTE = "\n_(shown as text: this message did not fit Slack's limits; `bgagent show` has the details)_";

/**
 * The last guard against `invalid_blocks`, which would lose a message for good: a message whose
 * blocks pass a limit despite the builders goes as its text alone (with a note), and the problems
 * come back for the log.
 */
export function fitOrText(m: { text: string; blocks: unknown[] }): { text: string; blocks?: unknown[]; problems: string[] } {
  const problems = budgetViolations(m, "message");
  if (!problems.length) return { text: m.text, blocks: m.blocks, problems };
  return { text: `${cut(m.text, B.messageText - AS_TEXT_NOTE.length)}${AS_TEXT_NOTE}`, problems };
}
