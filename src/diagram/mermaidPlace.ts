// Where a transition goes in a Mermaid state diagram. Mermaid cannot draw a
// transition between states inside two different composite states, nor
// across the `--` regions of a parallel state, so each edge is declared in
// the scope of the nearest common ancestor and its ends are lifted to that
// scope's children; the label then names the real source/target. Every
// state is thus referenced only in the block that declares it, which also
// keeps Mermaid from moving a state into another composite.
import { ancestry, relativePath, type DiagramModel, type DiagramNode } from './model.ts';

export interface Placement {
  /** the composite whose block declares the edge; undefined = the top-level document */
  scope: DiagramNode | undefined;
  from: DiagramNode;
  to: DiagramNode;
  /** path below `from` of the real source, '' if not lifted */
  fromPath: string;
  /** path below `to` of the real target, '' if not lifted */
  toPath: string;
}

function node(model: DiagramModel, id: string): DiagramNode {
  const n = model.nodes.get(id);
  if (!n) throw new Error(`state ${id} is not in machine ${model.title}`);
  return n;
}

export function place(model: DiagramModel, sourceId: string, targetId: string): Placement {
  const sourceChain = ancestry(model, sourceId);
  const targetChain = ancestry(model, targetId);
  let common = 0;
  while (common < sourceChain.length && common < targetChain.length && sourceChain[common] === targetChain[common]) common += 1;
  const lca = sourceChain[common - 1];
  if (!lca) throw new Error(`states ${sourceId} and ${targetId} share no root`);

  let from: DiagramNode;
  let to: DiagramNode;
  let scope: DiagramNode | undefined;
  const nested = lca.id === sourceId || lca.id === targetId;
  if (nested || lca.kind === 'parallel') {
    // a self-loop, an edge between a state and its own descendant, or an
    // edge between regions: drawn as a loop on the enclosing state. Mermaid
    // fails on a loop on a composite nested in another composite (it draws
    // one on the top-level composite), so such loops move to the machine root.
    from = lca.children.length > 0 && lca.parent ? model.root : lca;
    to = from;
    scope = from.parent;
  } else {
    scope = lca;
    from = sourceChain[common];
    to = targetChain[common];
  }
  return {
    scope,
    from,
    to,
    fromPath: relativePath(model, from, node(model, sourceId).id),
    toPath: relativePath(model, to, node(model, targetId).id),
  };
}
