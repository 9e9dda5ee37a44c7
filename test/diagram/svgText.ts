// Small readers for Graphviz SVG in tests: XML entities, the text drawn, and
// the node/edge/cluster groups with their ids, classes and colours.

export function decodeXml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, n: string) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every `<text>` content, decoded. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decodeXml(m[1]));
}

export interface SvgGroup {
  id: string;
  classes: string[];
  body: string;
  strokes: string[];
}

/** Graphviz writes each node, edge and cluster as `<g id=.. class=..>`, preceded by a comment. */
export function svgGroups(svg: string): SvgGroup[] {
  const starts = [...svg.matchAll(/<g id="([^"]*)" class="([^"]*)">/g)];
  return starts.map((m, i) => {
    const end = i + 1 < starts.length ? (starts[i + 1].index ?? svg.length) : svg.length;
    const body = svg.slice(m.index ?? 0, end);
    return {
      // Graphviz writes runs of spaces as space + no-break space
      id: decodeXml(m[1]).replace(/\u00a0/g, ' '),
      classes: m[2].split(/\s+/),
      body,
      strokes: [...body.matchAll(/<path[^>]* stroke="([^"]+)"/g)].map((s) => s[1]),
    };
  });
}
