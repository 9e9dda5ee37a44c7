// One entry point for every format, for the CLI and anyone else who picks the
// format at run time.
import type { AnyStateMachine } from 'xstate';
import { renderDot } from './dot.ts';
import { renderJson } from './json.ts';
import { renderMermaid } from './mermaid.ts';
import type { RenderOptions } from './model.ts';
import { renderSvg } from './svg.ts';

export { DIAGRAM_FORMATS, FORMAT_EXTENSIONS, parseFormat, type DiagramFormat } from './formats.ts';
import type { DiagramFormat } from './formats.ts';

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
