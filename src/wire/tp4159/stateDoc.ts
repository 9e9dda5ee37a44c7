// The byte tables of docs/tp4159-state.md, generated from the layout tables
// (architecture rule 4: docs come from the same rows as the codec). A test
// pins the file's generated block to this output.
import type { Layout } from '../layout.ts';
import { IO_CQ_STATE_LAYOUT, IO_SQ_STATE_LAYOUT, NVME_STATE_HEADER_LAYOUT, STATE_HEADER_LAYOUT } from './state.ts';
import { UDMQ_ENTRY_LAYOUT } from './udmq.ts';
import { NVME_LM_STATE_UUID, VENDOR_STATE_DWORDS, VENDOR_STATE_LAYOUT } from './vendorState.ts';

function layoutMarkdown(layout: Layout): string {
  const rows = layout.fields.map((f) => `| ${f.offset} | ${f.width} | ${f.bits ? `${f.bits[0]}:${f.bits[1]}` : ''} | \`${f.name}\` | ${f.doc} |`);
  return [`### ${layout.name} (${layout.size} bytes)`, '', '| byte | width | bits | field | meaning |', '|---:|---:|---|---|---|', ...rows].join('\n');
}

export const STATE_DOC_BEGIN = '<!-- generated from src/wire/tp4159 layout tables: begin -->';
export const STATE_DOC_END = '<!-- generated: end -->';

/** The generated block of docs/tp4159-state.md, markers included. */
export function stateDocBlock(): string {
  const tables = [STATE_HEADER_LAYOUT, NVME_STATE_HEADER_LAYOUT, IO_SQ_STATE_LAYOUT, IO_CQ_STATE_LAYOUT, VENDOR_STATE_LAYOUT, UDMQ_ENTRY_LAYOUT].map(layoutMarkdown);
  const uuid = `The vendor section is named by UUID \`${NVME_LM_STATE_UUID}\`; its VSS is ${VENDOR_STATE_DWORDS} dwords.`;
  return [STATE_DOC_BEGIN, '', uuid, '', tables.join('\n\n'), '', STATE_DOC_END].join('\n');
}
