// The intended layering, as data: which folder may import which. One table,
// read by the architecture test and drawn in docs/architecture.md. A folder
// of src/ that is on no row fails the test: the map is kept true.

export interface Layer {
  /** folders (relative to the repository root) that make up the layer */
  dirs: string[];
  /** layers this one may import from (its own folders always) */
  may: string[];
}

/**
 * Arrows point from importer to imported. Bottom: the bytes (wire) and the
 * specification (machines), which stand alone. The implementations
 * (emulator, host) and the target contract read bytes only: they never see
 * the specification (rule 1), so a test never checks the spec against
 * itself. models binds the two; the jobs sit on the bindings; the CLI on top.
 */
export const LAYERS: Record<string, Layer> = {
  wire: { dirs: ['src/wire'], may: [] },
  machines: { dirs: ['machines'], may: [] },
  target: { dirs: ['src/target'], may: ['wire'] },
  check: { dirs: ['src/check'], may: ['machines'] },
  paths: { dirs: ['src/paths'], may: ['check', 'machines'] },
  emulator: { dirs: ['src/emulator'], may: ['wire', 'target'] },
  host: { dirs: ['src/host'], may: ['wire', 'target'] },
  models: { dirs: ['models'], may: ['wire', 'target', 'machines', 'check', 'paths', 'emulator', 'host'] },
  fuzz: { dirs: ['src/fuzz'], may: ['wire', 'target', 'emulator'] },
  migrate: { dirs: ['src/migrate'], may: ['wire', 'target', 'emulator', 'host'] },
  diagram: { dirs: ['src/diagram'], may: ['machines', 'check', 'paths'] },
  /** the decisions, invariants and liveness properties read from docs/spec/ (explain, the id check) */
  docs: { dirs: ['src/docs'], may: [] },
  verify: { dirs: ['src/verify'], may: ['wire', 'target', 'machines', 'check', 'paths', 'emulator', 'host', 'models'] },
  cli: { dirs: ['src/cli'], may: ['wire', 'target', 'machines', 'check', 'paths', 'emulator', 'host', 'models', 'fuzz', 'migrate', 'diagram', 'docs', 'verify'] },
};

/** Rule 1: the implementations never read the specification or its bindings. */
export const IMPLEMENTATIONS = ['wire', 'target', 'emulator', 'host'] as const;
export const SPECIFICATION = ['machines', 'models'] as const;

/** The layering drawn as a Mermaid graph (arrows from importer to imported), as docs/architecture.md shows it. */
export function layersMermaid(layers: Record<string, Layer> = LAYERS): string {
  const lines = ['graph TD'];
  for (const [name, layer] of Object.entries(layers)) lines.push(`  ${name}["${name}<br/>${layer.dirs.join(', ')}"]`);
  // Draw only the arrows not implied by others (transitive reduction), so the picture stays readable.
  const reach = (from: string, seen = new Set<string>()): Set<string> => {
    for (const next of layers[from].may) if (!seen.has(next)) reach(next, seen.add(next));
    return seen;
  };
  for (const [name, layer] of Object.entries(layers)) {
    for (const to of layer.may) {
      const implied = layer.may.some((other) => other !== to && reach(other).has(to));
      if (!implied) lines.push(`  ${name} --> ${to}`);
    }
  }
  return lines.join('\n');
}
