// Get Log Page on the tp4159 profile: the Commands Supported and Effects log
// (LID 05h) of one function. It lists what this emulator executes on that
// function's queues; D19: the PF lists the management commands (3Dh, 3Eh,
// 41h, 42h, 45h), a VF marks all five unsupported, as it answers them with
// Invalid Command Opcode. Other LIDs are not served (Invalid Log Page).
// Checks first (pure), then the one DMA.
import { encodeUints } from '../wire/layout.ts';
import { ADMIN, ASYNC_EVENT_REQUEST, HMLM, NVM, NVM_DATASET_MANAGEMENT, NVM_WRITE_ZEROES } from '../wire/opcodes.ts';
import { acsOffset, COMMAND_EFFECTS_LAYOUT, EFFECTS_LOG_SIZE, GET_LOG_PAGE, GET_LOG_PAGE_LAYOUT, iocsOffset, LID_COMMANDS_SUPPORTED_AND_EFFECTS } from '../wire/effectsLog.ts';
import { SC_INVALID_LOG_PAGE, SCT_COMMAND_SPECIFIC } from '../wire/status.ts';
import type { Controller } from './controller.ts';
import { compile, genericStatus, rd, SQE, ST, statusWord } from './fields.ts';
import { rejected, SUCCESS, type Outcome } from './outcome.ts';
import { dmaToHost, walkPrps } from './prp.ts';

const LOG = {
  lid: compile(GET_LOG_PAGE_LAYOUT, 'lid'),
  lsp: compile(GET_LOG_PAGE_LAYOUT, 'lsp'),
  numdl: compile(GET_LOG_PAGE_LAYOUT, 'numdl'),
  numdu: compile(GET_LOG_PAGE_LAYOUT, 'numdu'),
  lsi: compile(GET_LOG_PAGE_LAYOUT, 'lsi'),
  lpo: compile(GET_LOG_PAGE_LAYOUT, 'lpo'),
  uidx: compile(GET_LOG_PAGE_LAYOUT, 'uidx'),
};

const INVALID_LOG_PAGE = statusWord(SCT_COMMAND_SPECIFIC, SC_INVALID_LOG_PAGE, true);

const BOTH_ADMIN = [ADMIN.DELETE_IO_SQ, ADMIN.CREATE_IO_SQ, GET_LOG_PAGE, ADMIN.DELETE_IO_CQ, ADMIN.CREATE_IO_CQ, ADMIN.IDENTIFY, ADMIN.ABORT, ADMIN.SET_FEATURES, ADMIN.GET_FEATURES, ASYNC_EVENT_REQUEST];
const CHANGES_DATA = [NVM.WRITE, NVM_WRITE_ZEROES, NVM_DATASET_MANAGEMENT];
const IO = [NVM.FLUSH, NVM.READ, ...CHANGES_DATA];

function entry(lbcc: boolean): Uint8Array {
  return encodeUints(COMMAND_EFFECTS_LAYOUT, { csupp: 1, lbcc: lbcc ? 1 : 0 });
}

/** The log of a PF (`vf` false) or a VF on the tp4159 profile. */
export function effectsLogPage(vf: boolean): Uint8Array {
  const page = new Uint8Array(EFFECTS_LOG_SIZE);
  const admin = vf ? BOTH_ADMIN : [...BOTH_ADMIN, ...Object.values(HMLM)]; // D19
  for (const opc of admin) page.set(entry(false), acsOffset(opc));
  for (const opc of IO) page.set(entry(CHANGES_DATA.includes(opc)), iocsOffset(opc));
  return page;
}

/** Get Log Page on function `c`: LID 05h only, from a dword-aligned offset below the log's end; the transfer is min(NUMD, what is left). */
export function getLogPage(c: Controller, v: DataView, o: number): Outcome {
  if (rd(v, o, SQE.fuse) !== 0 || rd(v, o, SQE.psdt) !== 0) return rejected(ST.INVALID_FIELD, 'NVMe', 'FUSE or PSDT set: only PRPs, no fused operations');
  if (rd(v, o, LOG.lid) !== LID_COMMANDS_SUPPORTED_AND_EFFECTS) return rejected(INVALID_LOG_PAGE, 'NVMe', `log page ${rd(v, o, LOG.lid)} is not served: only 05h (Commands Supported and Effects)`);
  if (rd(v, o, LOG.lsp) !== 0 || rd(v, o, LOG.lsi) !== 0 || rd(v, o, LOG.uidx) !== 0) return rejected(ST.INVALID_FIELD, 'NVMe', 'LSP, LSI and UUID index must be 0 for log 05h');
  const offset = rd(v, o, LOG.lpo);
  if (offset % 4 !== 0 || offset >= EFFECTS_LOG_SIZE) return rejected(ST.INVALID_FIELD, 'NVMe', `log offset ${offset} is not dword aligned or not below the log's ${EFFECTS_LOG_SIZE} bytes`);
  const numd = rd(v, o, LOG.numdu) * 0x1_0000 + rd(v, o, LOG.numdl);
  const length = Math.min((numd + 1) * 4, EFFECTS_LOG_SIZE - offset);
  // the PRPs describe the host's NUMD buffer, however much of it the log fills
  const walk = walkPrps(c.ctx.memory, rd(v, o, SQE.prp1), rd(v, o, SQE.prp2), length, (numd + 1) * 4);
  if (!walk.ok) return rejected(genericStatus(walk.sc), 'NVMe', walk.reason);
  dmaToHost(c.ctx.memory, walk.segments, effectsLogPage(c.isVf).subarray(offset, offset + length));
  return SUCCESS;
}
