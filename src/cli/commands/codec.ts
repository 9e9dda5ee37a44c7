// `nvme-lm encode` and `nvme-lm decode`: the five LM commands and the
// standard profile's (tp4159) commands as bytes, and any SQE/CQE, controller
// state or UDMQ back into names. For people writing firmware or a driver who
// want to see exactly which bytes go on the wire.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { decodeCqe, CQE_SIZE } from '../../wire/cqe.ts';
import { fromHex, hexNumber, parseNumber, toHex } from '../../wire/hex.ts';
import { fieldByName, WireError } from '../../wire/layout.ts';
import { decodeLmCommand, encodeLmCommand, lmLayout } from '../../wire/lmCommands.ts';
import { adminOpcodeName, LM_OPCODES } from '../../wire/opcodes.ts';
import { decodeSqe, SQE_SIZE } from '../../wire/sqe.ts';
import { describeStatus } from '../../wire/status.ts';
import { isReservedField } from '../../wire/tp4159/commands.ts';
import { decodeTp4159, encodeTp4159, TP4159_KINDS, tp4159FieldType, type Tp4159Command, type Tp4159Kind } from '../../wire/tp4159/commandCodec.ts';
import { lmPluginLine, passthruLine, transferOf } from '../../wire/tp4159/nvmeCli.ts';
import { describeState, describeUdmq, type Described } from '../../wire/tp4159/describe.ts';
import { UsageError } from '../usageError.ts';

export interface EncodeOptions {
  vf?: string;
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
  if (!op) throw new UsageError(`unknown command "${name}"; use one of: ${LM_OPCODES.map((x) => x.cli).join(', ')}, or for the standard profile ${TP_GROUPS.join(', ')}`);
  if (o.vf === undefined) throw new UsageError(`${name} needs --vf <n> (VF index, 1-based, CDW10 15:0)`);
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

// The standard profile (tp4159): one row per CLI form, naming the command
// kind and the options that set its fields. Field ranges come from the
// layout rows, so a value that does not fit is refused before encoding.
interface TpOption {
  flag: string;
  field: string;
  help: string;
  required?: boolean;
  fallback?: string;
  boolean?: true;
}
interface TpForm {
  group: string;
  operation?: string;
  kind: Tp4159Kind;
  options: TpOption[];
}

const cntlid: TpOption = { flag: 'cntlid', field: 'cntlid', help: 'CNTLID of the migratable controller (the VF\'s secondary controller id)', required: true };
const prps: TpOption[] = [
  { flag: 'prp1', field: 'prp1', help: 'PRP entry 1', fallback: '0' },
  { flag: 'prp2', field: 'prp2', help: 'PRP entry 2 or PRP list pointer', fallback: '0' },
];
const stateOptions = (numdHelp: string): TpOption[] => [
  cntlid,
  { flag: 'csvi', field: 'csvi', help: 'CSVI state version index, 1-based into CNS 20h (0: header only)', fallback: '1' },
  { flag: 'csuuidi', field: 'csuuidi', help: 'CSUUIDI vendor UUID index (0: none)', fallback: '0' },
  { flag: 'offset', field: 'offset', help: 'byte offset into the state (CDW13:12)', fallback: '0' },
  { flag: 'uidx', field: 'uidx', help: 'UIDX UUID index', fallback: '0' },
  { flag: 'numd', field: 'numd', help: numdHelp, required: true },
  ...prps,
];
const cdqid: TpOption = { flag: 'cdqid', field: 'cdqid', help: 'CDQID of the controller data queue', required: true };

const TP_FORMS: readonly TpForm[] = [
  {
    group: 'migration-send', operation: 'suspend', kind: 'suspend',
    options: [cntlid, { flag: 'stype', field: 'stype', help: 'STYPE 1 suspend (default), 0 suspend notification', fallback: '1' }, { flag: 'dudmq', field: 'dudmq', help: 'DUDMQ: delete the user data migration queue with the suspend', boolean: true }],
  },
  { group: 'migration-send', operation: 'resume', kind: 'resume', options: [cntlid] },
  {
    group: 'migration-send', operation: 'set-state', kind: 'setState',
    options: [{ flag: 'seqind', field: 'seqind', help: 'SEQIND 3 whole state (default), 1 first, 0 middle, 2 last', fallback: '3' }, ...stateOptions('NUMD dwords to send, 0-based (D27)')],
  },
  { group: 'migration-recv', kind: 'getState', options: [...stateOptions('NUMD dwords to read, 0-based (D27)'), { flag: 'csuidxp', field: 'csuidxp', help: 'CSUIDXP UUID index parameter', fallback: '0' }] },
  {
    group: 'cdq', operation: 'create', kind: 'cdqCreate',
    options: [
      { flag: 'cntlid', field: 'cqs', help: 'CQS: the migratable controller\'s CNTLID', required: true },
      { flag: 'size', field: 'cdqsize', help: 'CDQSIZE queue size in dwords', required: true },
      { flag: 'qt', field: 'qt', help: 'QT queue type (0 user data migration queue)', fallback: '0' },
      { flag: 'pc', field: 'pc', help: 'PC 1 physically contiguous (default), 0 PRP1 is a PRP list', fallback: '1' },
      prps[0],
    ],
  },
  { group: 'cdq', operation: 'delete', kind: 'cdqDelete', options: [cdqid] },
  { group: 'track-send', kind: 'trackSend', options: [cdqid, { flag: 'lact', field: 'lact', help: 'LACT 1 start logging, 0 stop', required: true }] },
  {
    group: 'set-features-cdq', kind: 'setCdqFeature',
    options: [cdqid, { flag: 'hp', field: 'hp', help: 'HP head pointer in entries', required: true }, { flag: 'tpt', field: 'tpt', help: 'TPT tail pointer trigger in entries', fallback: '0' }, { flag: 'etpt', field: 'etpt', help: 'ETPT: enable the tail pointer trigger', boolean: true }],
  },
  { group: 'get-features-cdq', kind: 'getCdqFeature', options: [cdqid, prps[0]] },
];

const TP_GROUPS = [...new Set(TP_FORMS.map((f) => f.group))];

export interface EncodedTp4159 {
  sqe: string;
  fields: Record<string, string>;
  nvmeCli: string;
  nvmeLm?: string;
  notes: string[];
}

/** Parse one option into its field's type, refusing a value wider than the field. */
function fieldValue(form: TpForm, opt: TpOption, text: string | boolean | undefined): bigint | number | boolean {
  const layout = TP4159_KINDS[form.kind].layout;
  const f = fieldByName(layout, opt.field);
  const type = tp4159FieldType(f);
  if (opt.boolean) return text === true;
  const raw = text === undefined ? opt.fallback : String(text);
  if (raw === undefined) throw new UsageError(`${form.group}${form.operation ? ` ${form.operation}` : ''} needs --${opt.flag} <n>: ${opt.help}`);
  const [hi, lo] = f.bits ?? [f.width * 8 - 1, 0];
  const v = num(raw, `--${opt.flag}`, (1n << BigInt(hi - lo + 1)) - 1n)!;
  if (type === 'boolean') return v === 1n;
  return type === 'bigint' ? v : Number(v);
}

/** `encode <group> [operation]` for the standard profile: the SQE, its fields, the admin-passthru and `nvme lm` lines. */
export function encodeTp4159Form(group: string, operation: string | undefined, o: Record<string, string | boolean | undefined>): EncodedTp4159 {
  const forms = TP_FORMS.filter((f) => f.group === group);
  if (forms.length === 0) throw new UsageError(`unknown command "${group}"; the standard profile has: ${TP_GROUPS.join(', ')}`);
  const form = forms.find((f) => f.operation === operation);
  if (!form) throw new UsageError(`${group} has no operation "${operation ?? ''}"; use one of: ${forms.map((f) => f.operation).join(', ')}`);
  for (const key of Object.keys(o)) {
    if (o[key] !== undefined && key !== 'cid' && key !== 'json' && !form.options.some((x) => x.flag === key)) {
      throw new UsageError(`--${key} does not apply to ${group}${operation ? ` ${operation}` : ''}; its options: ${form.options.map((x) => `--${x.flag}`).join(', ')}`);
    }
  }
  const values: Record<string, unknown> = { kind: form.kind, cid: Number(num(String(o.cid ?? '0'), '--cid', 0xffffn)) };
  for (const opt of form.options) values[opt.field] = fieldValue(form, opt, o[opt.flag]);
  const zero = { boolean: false, bigint: 0n, number: 0 } as const;
  for (const name of TP4159_KINDS[form.kind].fields) values[name] ??= zero[tp4159FieldType(fieldByName(TP4159_KINDS[form.kind].layout, name))];
  const cmd = values as unknown as Tp4159Command;
  const sqe = encodeTp4159(cmd);
  const decoded = decodeTp4159(sqe)!;
  // the command's own rows; `decode` shows every row of the SQE
  const shown = ['opc', 'cid', ...Object.keys(decoded.layout.fixed).filter((k) => k !== 'opc'), ...TP4159_KINDS[form.kind].fields];
  const fields = Object.fromEntries(shown.map((name) => [name, hexNumber(decoded.fields[name])]));
  const plugin = lmPluginLine(cmd);
  return { sqe: toHex(sqe), fields, nvmeCli: passthruLine(sqe, transferOf(cmd)), nvmeLm: plugin.line, notes: plugin.notes };
}

export type Decoded =
  | { kind: 'sqe'; command: string; opcode: string; vfIndex?: number; profile?: 'tp4159'; fields: Record<string, string>; reservedNonzero: string[] }
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
  const tp = decodeTp4159(bytes);
  if (tp) {
    const fields: Record<string, string> = {};
    for (const f of tp.layout.fields) if (!isReservedField(f)) fields[f.name] = hexNumber(tp.fields[f.name]);
    return { kind: 'sqe', command: tp.layout.name, opcode: hexNumber(bytes[0]), profile: 'tp4159', fields, reservedNonzero: tp.reservedNonzero };
  }
  const s = decodeSqe(bytes);
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(s)) fields[k] = hexNumber(v);
  return { kind: 'sqe', command: adminOpcodeName(s.opc), opcode: hexNumber(s.opc), fields, reservedNonzero: [] };
}

/** Wire errors in what the user gave are usage errors (exit 2, one line). */
function wire<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WireError) throw new UsageError(e.message);
    throw e;
  }
}

function readInput(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function printDescribed(d: Described): void {
  for (const s of d.sections) {
    console.log(s.title);
    const w = Math.max(...s.rows.map((r) => r.name.length));
    const v = Math.max(...s.rows.map((r) => r.value.length));
    for (const r of s.rows) console.log(`  ${r.name.padEnd(w)}  ${r.value.padEnd(v)}  ${r.doc}`);
  }
  for (const n of d.notes) console.log(`note: ${n}`);
}

function table(rows: Record<string, string>): string {
  const w = Math.max(...Object.keys(rows).map((k) => k.length));
  return Object.entries(rows)
    .map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)
    .join('\n');
}

/** The standard profile's `encode` subcommands, one per group, with the options of every form in the group. */
function registerTp4159Encode(encode: Command): void {
  for (const group of TP_GROUPS) {
    const forms = TP_FORMS.filter((f) => f.group === group);
    const operations = forms.map((f) => f.operation).filter((x): x is string => x !== undefined);
    const sub = encode
      .command(group)
      .description(`tp4159: print the SQE of ${adminOpcodeName(TP4159_KINDS[forms[0].kind].layout.fixed.opc)}${operations.length ? ` (${operations.join(' | ')})` : ''}, its fields, and the nvme admin-passthru and nvme lm lines. --cid, --prp1, --prp2, --size and --json are encode's options.`)
      .configureHelp({ showGlobalOptions: true });
    if (operations.length) sub.argument('<operation>', operations.join(' | '));
    const seen = new Set<string>(['cid', 'prp1', 'prp2', 'size', 'json']);
    for (const opt of forms.flatMap((f) => f.options)) {
      if (seen.has(opt.flag)) continue;
      seen.add(opt.flag);
      sub.option(opt.boolean ? `--${opt.flag}` : `--${opt.flag} <n>`, opt.help);
    }
    sub.action((...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const operation = operations.length ? (args[0] as string) : undefined;
      const o = cmd.optsWithGlobals<Record<string, string | boolean | undefined>>();
      const { json, ...rest } = o;
      const r = encodeTp4159Form(group, operation, rest);
      if (json) return console.log(JSON.stringify(r));
      console.log(r.sqe);
      console.log(table(r.fields));
      console.log(r.nvmeCli);
      console.log(r.nvmeLm ?? '(no nvme lm plugin form)');
      for (const n of r.notes) console.log(`note: ${n}`);
    });
  }
}

export function registerCodec(program: Command): void {
  const encode = program
    .command('encode')
    .summary('print the 64-byte SQE of one LM command and its nvme-cli equivalent')
    .description(
      'Print the 64-byte SQE of one live-migration command, its fields, and the equivalent nvme-cli command line.\n' +
        `The standard profile's (tp4159) commands are subcommands: ${TP_GROUPS.join(', ')}.`,
    )
    .argument('<command>', `query | suspend | resume | save | load (vendor profile; needs --vf), or a subcommand below`)
    .option('--vf <n>', 'VF index, 1-based (CDW10 15:0); required for the vendor profile\'s commands')
    .option('--cid <n>', 'command identifier', '0')
    .option('--prp1 <addr>', 'PRP entry 1 (save, load; tp4159 commands that move data)')
    .option('--prp2 <addr>', 'PRP entry 2 or PRP list pointer (save, load, set-state, migration-recv)')
    .option('--size <n>', 'load: bytes to load (CDW11); save: data length for the nvme-cli line; cdq create: CDQSIZE in dwords')
    .option('--json', 'print {"sqe","fields","nvmeCli"} (tp4159: also "nvmeLm", "notes")')
    .addHelpText(
      'after',
      '\nExample:\n  nvme-lm encode suspend --vf 1\n  nvme-lm encode load --vf 2 --prp1 0x100000 --prp2 0x200000 --size 4096 --json\n' +
        '  nvme-lm encode migration-send suspend --cntlid 1 --dudmq\n  nvme-lm encode migration-recv --cntlid 1 --numd 0x3ff\n  nvme-lm encode cdq create --cntlid 1 --size 1024',
    )
    .action((name: string, o: EncodeOptions) => {
      const r = encodeCommand(name, o);
      if (o.json) return console.log(JSON.stringify(r));
      console.log(r.sqe);
      console.log(table(r.fields));
      console.log(r.nvmeCli);
    });
  registerTp4159Encode(encode);

  program
    .command('decode')
    .summary('name the fields of an SQE, a CQE, a controller state or UDMQ entries')
    .description(
      'Name a 64-byte SQE (command, VF, fields, reserved bits set) or a 16-byte CQE (status, CID, SQ id);\n' +
        'with --state, a tp4159 controller-state blob field by field; with --udmq, UDMQ entries.',
    )
    .argument('[hex]', '128 or 32 hex digits (spaces allowed)')
    .option('--state <file>', 'a controller state as Migration Receive returns it (binary)')
    .option('--udmq <file>', 'user data migration queue memory (binary, 32-byte entries)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExample:\n  nvme-lm decode c8000000000000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000\n  nvme-lm decode 00000000000000000100010001000380\n  nvme-lm decode --state vf1.state',
    )
    .action((hex: string | undefined, o: { json?: boolean; state?: string; udmq?: string }) => {
      const given = [hex !== undefined, o.state !== undefined, o.udmq !== undefined].filter(Boolean).length;
      if (given !== 1) throw new UsageError('decode takes exactly one of: <hex> (an SQE or CQE), --state <file>, --udmq <file>');
      if (o.state !== undefined || o.udmq !== undefined) {
        const d = wire(() => (o.state !== undefined ? describeState(readInput(o.state)) : describeUdmq(readInput(o.udmq!))));
        return o.json ? console.log(JSON.stringify(d)) : printDescribed(d);
      }
      const d = decodeHex(hex!);
      if (o.json) return console.log(JSON.stringify(d));
      if (d.kind === 'cqe') {
        console.log(`CQE: ${d.status}`);
        console.log(table({ cid: String(d.cid), sqid: String(d.sqid), sqhd: String(d.sqhd), phase: String(d.phase), more: String(d.more), dw0: d.dw0 }));
        return;
      }
      console.log(`SQE: ${d.command} (opcode ${d.opcode})${d.vfIndex !== undefined ? `, VF ${d.vfIndex}` : ''}`);
      console.log(table(d.fields));
      const why = d.profile === 'tp4159' ? 'tp4159 section 2: a sender leaves them 0' : 'a strict controller rejects this, D10';
      if (d.reservedNonzero.length) console.log(`reserved bits set in: ${d.reservedNonzero.join(', ')} (${why})`);
    });
}
