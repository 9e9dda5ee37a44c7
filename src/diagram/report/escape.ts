// HTML escaping for the report. Every piece of text that comes from a check
// result or a machine (ids, messages, event payloads, contexts) goes through
// `esc`, so none of it can open a tag, end an attribute or start a script.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside element content and inside a double- or single-quoted attribute. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** An HTML id from any text: letters, digits, `-` and `_` only, with a prefix so it never starts with a digit. */
export function anchorId(prefix: string, text: string): string {
  return `${prefix}-${text.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}
