// The diagram formats and their file extensions, apart from the renderers so
// that the CLI can name them in its help without loading any renderer.
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
