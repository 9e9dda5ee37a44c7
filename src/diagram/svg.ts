// SVG rendered in-process from the DOT with Graphviz compiled to WebAssembly
// (@viz-js/viz): no system binary needed. The instance is created once.
import { instance, type Viz } from '@viz-js/viz';
import type { AnyStateMachine } from 'xstate';
import { renderDot } from './dot.ts';
import type { RenderOptions } from './model.ts';

let viz: Promise<Viz> | undefined;

function getViz(): Promise<Viz> {
  viz ??= instance();
  return viz;
}

/** DOT text -> SVG text; Graphviz errors become one Error that quotes them. */
export async function dotToSvg(dot: string): Promise<string> {
  const result = (await getViz()).render(dot, { format: 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    const errors = result.errors.map((e) => e.message.trim()).join('; ');
    throw new Error(`Graphviz could not render the diagram: ${errors}`);
  }
  return result.output;
}

export async function renderSvg(machine: AnyStateMachine, options: RenderOptions = {}): Promise<string> {
  return dotToSvg(renderDot(machine, options));
}
