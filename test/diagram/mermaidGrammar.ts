// A checker for the subset of Mermaid stateDiagram-v2 the renderer emits,
// written from Mermaid's grammar (stateDiagram.jison): what its lexer takes as
// an id, where a label ends, `#` as a comment start, entity codes decoded
// before parsing. It also checks the rule the renderer relies on to keep
// Mermaid from moving states between composites: a state is referenced only
// in the block (or parallel section) that declares it, and declared once.

export interface MermaidEdge {
  from: string;
  to: string;
  /** decoded label, '' when none */
  label: string;
  /** the composite block it is declared in ('' = top level) */
  block: string;
}

export interface MermaidParse {
  problems: string[];
  edges: MermaidEdge[];
  /** every declared state id -> its decoded title */
  states: Map<string, string>;
  /** `id : text` descriptions, decoded */
  descriptions: Map<string, string>;
  /** composite id -> number of `--` separated sections */
  sections: Map<string, number>;
}

const ENTITY = /#(\w+);/g;
const NAMED: Record<string, string> = { quot: '"', lt: '<', gt: '>', amp: '&' };
const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set(['state', 'note', 'class', 'classdef', 'scale', 'hide', 'direction', 'end', 'as', 'acctitle', 'accdescr']);

export function decodeMermaid(text: string): string {
  return text.replace(ENTITY, (_, code: string) => (/^\d+$/.test(code) ? String.fromCharCode(Number(code)) : (NAMED[code] ?? `#${code};`)));
}

/** Mermaid swaps entity codes for placeholders before its lexer runs. */
function placeholders(line: string): string {
  return line.replace(ENTITY, 'E');
}

export function parseMermaid(text: string): MermaidParse {
  const problems: string[] = [];
  const edges: MermaidEdge[] = [];
  const states = new Map<string, string>();
  const descriptions = new Map<string, string>();
  const sections = new Map<string, number>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  if (lines[0] === '---') {
    while (i + 1 < lines.length && lines[i + 1] !== '---') i += 1;
    i += 2;
  }
  if (lines[i]?.trim() !== 'stateDiagram-v2') problems.push(`line ${i + 1}: expected stateDiagram-v2, got ${lines[i]}`);
  // stack of [block id, section index]; declared ids per (block, section)
  const stack: Array<{ id: string; section: number }> = [{ id: '', section: 0 }];
  const scopeKey = (): string => {
    const top = stack[stack.length - 1];
    return `${top.id}#${top.section}`;
  };
  const declaredIn = new Map<string, string>();
  const declare = (id: string, title: string, at: number): void => {
    if (!ID.test(id) || KEYWORDS.has(id.toLowerCase())) problems.push(`line ${at}: bad state id ${JSON.stringify(id)}`);
    if (stack.length === 1 && id.toLowerCase().startsWith('default')) problems.push(`line ${at}: top-level id ${id} starts with the keyword default`);
    if (states.has(id)) problems.push(`line ${at}: state ${id} declared twice`);
    states.set(id, title);
    declaredIn.set(id, scopeKey());
  };
  const reference = (id: string, at: number): void => {
    if (id === '[*]') return;
    if (!states.has(id)) problems.push(`line ${at}: ${id} used before it is declared`);
    else if (declaredIn.get(id) !== scopeKey()) problems.push(`line ${at}: ${id} is referenced outside the block that declares it`);
  };
  const label = (raw: string, at: number): string => {
    const body = placeholders(raw);
    if (!/^[^:;#\n]+$/.test(body)) problems.push(`line ${at}: label ${JSON.stringify(raw)} contains : ; or # that Mermaid would cut`);
    if (/["{}<>]/.test(body)) problems.push(`line ${at}: label ${JSON.stringify(raw)} contains unescaped quote, brace or angle bracket`);
    return decodeMermaid(raw.trim());
  };
  for (i += 1; i < lines.length; i += 1) {
    const at = i + 1;
    const line = lines[i].trim();
    if (line === '' || line.startsWith('%%')) continue;
    if (placeholders(line).includes('#')) problems.push(`line ${at}: raw # starts a Mermaid comment`);
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^state (\S+) \{$/))) {
      declare(m[1], m[1], at);
      stack.push({ id: m[1], section: 0 });
      sections.set(m[1], 1);
    } else if (line === '}') {
      if (stack.length === 1) problems.push(`line ${at}: } without a block`);
      else stack.pop();
    } else if (line === '--') {
      const top = stack[stack.length - 1];
      if (stack.length === 1) problems.push(`line ${at}: -- outside a composite`);
      top.section += 1;
      sections.set(top.id, top.section + 1);
    } else if ((m = line.match(/^state "([^"]*)" as (\S+)$/))) {
      declare(m[2], decodeMermaid(m[1]), at);
    } else if ((m = line.match(/^(\S+) --> (\S+)(?: : (.*))?$/))) {
      reference(m[1], at);
      reference(m[2], at);
      edges.push({ from: m[1], to: m[2], label: m[3] === undefined ? '' : label(m[3], at), block: stack[stack.length - 1].id });
    } else if ((m = line.match(/^(\S+) : (.*)$/))) {
      reference(m[1], at);
      descriptions.set(m[1], label(m[2], at));
    } else if ((m = line.match(/^(\S+)$/))) {
      declare(m[1], m[1], at);
    } else {
      problems.push(`line ${at}: not a statement this checker knows: ${line}`);
    }
  }
  if (stack.length !== 1) problems.push(`unclosed block ${stack[stack.length - 1].id}`);
  return { problems, edges, states, descriptions, sections };
}
