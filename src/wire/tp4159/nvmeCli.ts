// The same commands as nvme-cli arguments: the generic `nvme admin-passthru`
// line (from the SQE's dwords) and the line of nvme-cli's `lm` plugin
// (plugins/lm: create-cdq, delete-cdq, track-send, migration-send,
// migration-recv, set-cdq, get-cdq). Option names are the plugin's own; where
// the plugin cannot say what the SQE says, `notes` tells the reader.
import { decodeSqe } from '../sqe.ts';
import { numdBytes, type Tp4159Command } from './commandCodec.ts';

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

interface DataTransfer {
  bytes: number;
  direction: 'read' | 'write';
}

/** What data a command moves through nvme-cli's own buffer (PRPs are the driver's). */
export function transferOf(c: Tp4159Command): DataTransfer | undefined {
  switch (c.kind) {
    case 'getState':
      return { bytes: numdBytes(c.numd), direction: 'read' };
    case 'setState':
      return { bytes: numdBytes(c.numd), direction: 'write' };
    case 'getCdqFeature':
      return { bytes: 8, direction: 'read' };
    case 'cdqCreate':
      return { bytes: c.cdqsize * 4, direction: 'read' };
    default:
      return undefined;
  }
}

/** `nvme admin-passthru` with every nonzero command dword (argconfig reads 0x-hex). */
export function passthruLine(sqe: Uint8Array, transfer?: DataTransfer): string {
  const s = decodeSqe(sqe);
  const parts = ['nvme admin-passthru <pf-device>', `--opcode=${hex(s.opc)}`];
  if (s.nsid !== 0) parts.push(`--namespace-id=${s.nsid}`);
  const dws: Array<[string, number]> = [['cdw10', s.cdw10], ['cdw11', s.cdw11], ['cdw12', s.cdw12], ['cdw13', s.cdw13], ['cdw14', s.cdw14], ['cdw15', s.cdw15]];
  for (const [name, v] of dws) if (v !== 0 || name === 'cdw10') parts.push(`--${name}=${hex(v)}`);
  if (transfer) parts.push(`--data-len=${transfer.bytes}`, transfer.direction === 'read' ? '--read' : '--write --input-file=<state file>');
  return parts.join(' ');
}

interface PluginLine {
  /** undefined when the plugin has no command for this SQE */
  line?: string;
  notes: string[];
}

/** An option only when its value is not the plugin's default 0. */
const opt = (name: string, v: number | bigint): string[] => (v !== 0 && v !== 0n ? [`--${name}=${v}`] : []);

/** The `nvme lm ...` line for a command, as close as the plugin's options allow. */
export function lmPluginLine(c: Tp4159Command): PluginLine {
  const lm = (sub: string, args: string[]): string => ['nvme lm', sub, '<pf-device>', ...args].join(' ');
  switch (c.kind) {
    case 'suspend':
      return { line: lm('migration-send', ['--sel=0', `--cntlid=${c.cntlid}`, `--stype=${c.stype}`, ...(c.dudmq ? ['--dudmq'] : [])]), notes: [] };
    case 'resume':
      return { line: lm('migration-send', ['--sel=1', `--cntlid=${c.cntlid}`]), notes: [] };
    case 'setState':
      return {
        line: lm('migration-send', ['--sel=2', `--cntlid=${c.cntlid}`, `--seq-ind=${c.seqind}`, `--csvi=${c.csvi}`, ...opt('csuuidi', c.csuuidi), ...opt('uidx', c.uidx), ...opt('offset', c.offset), `--numd=${c.numd + 1}`, '--input-file=<state file>']),
        notes: [`the plugin puts its --numd in CDW15 as the plain dword count (${c.numd + 1}), not this SQE's 0-based ${c.numd}; D27 accepts both`],
      };
    case 'getState':
      return {
        line: lm('migration-recv', ['--sel=0', `--cntlid=${c.cntlid}`, `--csvi=${c.csvi}`, ...opt('csuuidi', c.csuuidi), ...opt('uidx', c.uidx), ...opt('offset', c.offset), `--numd=${c.numd}`, '--output-file=<state file>']),
        notes: [
          // plugins/lm/lm-nvme.c reads (numd + 1) << 2 bytes but fwrite()s numd << 2 of them
          `the plugin writes ${c.numd * 4} of the ${numdBytes(c.numd)} bytes it reads to --output-file (one dword short)`,
          ...(c.csuidxp !== 0 ? [`the plugin has no CSUIDXP option (it sends 0, this SQE ${c.csuidxp})`] : []),
        ],
      };
    case 'cdqCreate':
      return {
        line: lm('create-cdq', [`--cntlid=${c.cqs}`, `--size=${c.cdqsize}`, `--queue-type=${c.qt}`, '--consent']),
        notes: ['the plugin allocates the queue in its own memory and frees it on exit (its --consent says a CDQ cannot be mapped to user space): PRP1 and PC are not options'],
      };
    case 'cdqDelete':
      return { line: lm('delete-cdq', [`--cdqid=${c.cdqid}`]), notes: [] };
    case 'trackSend': {
      const action = c.lact === 1 ? '--start' : c.lact === 0 ? '--stop' : `--mos=${c.lact}`;
      return { line: lm('track-send', ['--sel=0', `--cdqid=${c.cdqid}`, action]), notes: [] };
    }
    case 'setCdqFeature': {
      const notes: string[] = [];
      if (!c.etpt && c.tpt !== 0) notes.push(`the plugin sets ETPT exactly when --tpt is given, so TPT ${c.tpt} without ETPT has no plugin form`);
      if (c.sv || c.uidx !== 0) notes.push('the plugin has no SV or UIDX option (it sends 0)');
      return { line: lm('set-cdq', [`--cdqid=${c.cdqid}`, `--hp=${c.hp}`, ...(c.etpt ? [`--tpt=${c.tpt}`] : [])]), notes };
    }
    case 'getCdqFeature':
      return { line: lm('get-cdq', [`--cdqid=${c.cdqid}`]), notes: c.gsel !== 0 || c.uidx !== 0 ? ['the plugin has no SEL or UIDX option (it sends 0)'] : [] };
    case 'trackMemory':
      return { notes: ['the plugin refuses Track Send SEL 1 (Track Memory Changes); use admin-passthru'] };
    case 'trackReceive':
      return { notes: ['the plugin has no Track Receive command; use admin-passthru'] };
  }
}
