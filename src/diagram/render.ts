// One entry point for every format, for the CLI and anyone else who picks the
// format at run time.
import type { AnyStateMachine } from 'xstate';
import { renderDot } from './dot.ts';
import { renderJson } from './json.ts';
import { renderMermaid } from './mermaid.ts';
import type { RenderOptions } from './model.ts';
import { renderSvg } from './svg.ts';

export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'svg', 'json'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export const FORMAT_EXTENSIONS: Record<DiagramFormat, string> = {
  mermaid: 'mmd',
  dot: 'dot',
  svg: 'svg',
  json: 'json',
};

export function parseFormat(text: string): DiagramFormat {
  const found = DIAGRAM_FORMATS.find((f) => f === text);
  if (!found) throw new Error(`unknown diagram format "${text}"; use one of: ${DIAGRAM_FORMATS.join(', ')}`);
  return found;
}

export async function renderDiagram(machine: AnyStateMachine, format: DiagramFormat, options: RenderOptions = {}): Promise<string> {
  switch (format) {
    case 'mermaid':
      return renderMermaid(machine, options);
    case 'dot':
      return renderDot(machine, options);
    case 'svg':
      return renderSvg(machine, options);
    case 'json':
      return renderJson(machine, options);
  }
}
