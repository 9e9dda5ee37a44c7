// `nvme-lm encode` and `nvme-lm decode`: the five LM commands as bytes, and
// any SQE/CQE back into names. For people writing firmware or a driver who
// want to see exactly which bytes go on the wire.
import type { Command } from 'commander';
import { decodeCqe, CQE_SIZE } from '../../wire/cqe.ts';
import { fromHex, hexNumber, parseNumber, toHex } from '../../wire/hex.ts';
import { decodeLmCommand, encodeLmCommand, lmLayout } from '../../wire/lmCommands.ts';
import { adminOpcodeName, LM_OPCODES } from '../../wire/opcodes.ts';
import { decodeSqe, SQE_SIZE } from '../../wire/sqe.ts';
import { describeStatus } from '../../wire/status.ts';
import { UsageError } from '../usageError.ts';

export interface EncodeOptions {
  vf: string;
  cid?: string;
  prp1?: string;
  prp2?: string;
  size?: string;
  json?: boolean;
}

function num(text: string | undefined, what: string, max: bigint): bigint | undefined {
  if (text === undefined) return undefined;
  let v: bigint;
  try {
    v = parseNumber(text, what);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (v > max) throw new UsageError(`${what} ${text} is too large (max ${hexNumber(max)})`);
  return v;
}

export function encodeCommand(name: string, o: EncodeOptions): { sqe: string; fields: Record<string, string>; nvmeCli: string } {
  const op = LM_OPCODES.find((x) => x.cli === name);
  if (!op) throw new UsageError(`unknown command "${name}"; use one of: ${LM_OPCODES.map((x) => x.cli).join(', ')}`);
  const vf = num(o.vf, '--vf', 0xffffn)!;
  const cid = num(o.cid, '--cid', 0xffffn) ?? 0n;
  const prp1 = num(o.prp1, '--prp1', 0xffffffffffffffffn);
  const prp2 = num(o.prp2, '--prp2', 0xffffffffffffffffn);
  const size = num(o.size, '--size', 0xffffffffn);
  const moves = op.transfer !== 'none';
  if (!moves && (prp1 !== undefined || prp2 !== undefined || size !== undefined)) {
    throw new UsageError(`${name} moves no data: --prp1, --prp2 and --size do not apply`);
  }
  if (op.cli === 'load' && size === undefined) throw new UsageError('load needs --size (bytes to load, CDW11)');
  const sqe = encodeLmCommand({
    opcode: op.opcode,
    cid: Number(cid),
    vfIndex: Number(vf),
    prp1: moves ? (prp1 ?? 0n) : undefined,
    prp2: moves ? (prp2 ?? 0n) : undefined,
    size: op.cli === 'load' ? Number(size) : undefined,
  });
  const decoded = decodeLmCommand(sqe)!;
  const fields: Record<string, string> = {};
  for (const f of lmLayout(op.opcode).fields) fields[f.name] = hexNumber(decoded.fields[f.name]);
  const cli = [`nvme admin-passthru <pf-device> --opcode=${hexNumber(op.opcode)} --cdw10=${vf}`];
  if (op.cli === 'save') cli.push(`--data-len=${size ?? '<QUERY result>'} --read`);
  if (op.cli === 'load') cli.push(`--cdw11=${size} --data-len=${size} --write --input-file=<saved-state file>`);
  return { sqe: toHex(sqe), fields, nvmeCli: cli.join(' ') };
}

export type Decoded =
  | { kind: 'sqe'; command: string; opcode: string; vfIndex?: number; fields: Record<string, string>; reservedNonzero: string[] }
  | { kind: 'cqe'; status: string; sct: number; sc: number; dnr: boolean; more: boolean; cid: number; sqid: number; sqhd: number; phase: number; dw0: string };

export function decodeHex(text: string): Decoded {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(text, 'input');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (bytes.length === CQE_SIZE) {
    const c = decodeCqe(bytes);
    return { kind: 'cqe', status: describeStatus(c), sct: c.sct, sc: c.sc, dnr: c.dnr, more: c.more, cid: c.cid, sqid: c.sqid, sqhd: c.sqhd, phase: c.phase, dw0: hexNumber(c.dw0) };
  }
  if (bytes.length !== SQE_SIZE) throw new UsageError(`expected a 64-byte SQE or a 16-byte CQE, got ${bytes.length} bytes`);
  const lm = decodeLmCommand(bytes);
  if (lm) {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(lm.fields)) fields[k] = hexNumber(v);
    return {
      kind: 'sqe',
      command: lm.layout.name,
      opcode: hexNumber(bytes[0]),
      vfIndex: Number(lm.fields.vfIndex),
      fields,
      reservedNonzero: lm.reservedNonzero.map((r) => r.doc),
    };
  }
  const s = decodeSqe(bytes);
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(s)) fields[k] = hexNumber(v);
  return { kind: 'sqe', command: adminOpcodeName(s.opc), opcode: hexNumber(s.opc), fields, reservedNonzero: [] };
}

function table(rows: Record<string, string>): string {
  const w = Math.max(...Object.keys(rows).map((k) => k.length));
  return Object.entries(rows)
    .map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)
    .join('\n');
}

export function registerCodec(program: Command): void {
  program
    .command('encode')
    .summary('print the 64-byte SQE of one LM command and its nvme-cli equivalent')
    .description('Print the 64-byte SQE of one live-migration command, its fields, and the equivalent nvme-cli command line.')
    .argument('<command>', 'query | suspend | resume | save | load')
    .requiredOption('--vf <n>', 'VF index, 1-based (CDW10 15:0)')
    .option('--cid <n>', 'command identifier', '0')
    .option('--prp1 <addr>', 'PRP entry 1 (save, load)')
    .option('--prp2 <addr>', 'PRP entry 2 or PRP list pointer (save, load)')
    .option('--size <bytes>', 'load: bytes to load (CDW11); save: data length for the nvme-cli line')
    .option('--json', 'print {"sqe","fields","nvmeCli"}')
    .addHelpText('after', '\nExample:\n  nvme-lm encode suspend --vf 1\n  nvme-lm encode load --vf 2 --prp1 0x100000 --prp2 0x200000 --size 4096 --json')
    .action((name: string, o: EncodeOptions) => {
      const r = encodeCommand(name, o);
      if (o.json) return console.log(JSON.stringify(r));
      console.log(r.sqe);
      console.log(table(r.fields));
      console.log(r.nvmeCli);
    });

  program
    .command('decode')
    .summary('name the fields of an SQE or the status of a CQE')
    .description('Name a 64-byte SQE (command, VF, fields, reserved bits set) or a 16-byte CQE (status, CID, SQ id).')
    .argument('<hex>', '128 or 32 hex digits (spaces allowed)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  nvme-lm decode 0000000000000000000000000000000000000000000000000000000000000000 \n  nvme-lm decode 00000000000000000100010001000380')
    .action((hex: string, o: { json?: boolean }) => {
      const d = decodeHex(hex);
      if (o.json) return console.log(JSON.stringify(d));
      if (d.kind === 'cqe') {
        console.log(`CQE: ${d.status}`);
        console.log(table({ cid: String(d.cid), sqid: String(d.sqid), sqhd: String(d.sqhd), phase: String(d.phase), more: String(d.more), dw0: d.dw0 }));
        return;
      }
      console.log(`SQE: ${d.command} (opcode ${d.opcode})${d.vfIndex !== undefined ? `, VF ${d.vfIndex}` : ''}`);
      console.log(table(d.fields));
      if (d.reservedNonzero.length) console.log(`reserved bits set in: ${d.reservedNonzero.join(', ')} (a strict controller rejects this, D10)`);
    });
}
