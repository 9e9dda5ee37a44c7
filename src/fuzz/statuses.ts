// Status codes a completion may carry (I2: "a status from the table"). The
// five LM commands may only use the spec's generic table; the standard
// commands may also use the NVMe codes the spec's base facts name for queues
// and I/O.
import { SC, SC_AER_LIMIT_EXCEEDED, SC_CMD, SC_HMLM, SC_INVALID_LOG_PAGE, SCT_COMMAND_SPECIFIC, SCT_GENERIC } from '../wire/status.ts';

/** Spec section 1, "Generic status codes (SCT 0)". */
const SPEC_GENERIC_CODES: ReadonlySet<number> = new Set([
  SC.SUCCESS,
  SC.INVALID_OPCODE,
  SC.INVALID_FIELD,
  SC.CID_CONFLICT,
  SC.DATA_TRANSFER_ERROR,
  SC.INTERNAL_ERROR,
  SC.ABORTED_SQ_DELETION,
  SC.SEQUENCE_ERROR,
  SC.PRP_OFFSET_INVALID,
  SC.OPERATION_DENIED,
]);

/** Standard commands add Invalid Namespace, LBA Out of Range and the queue command-specific codes. */
const STANDARD_GENERIC_CODES: ReadonlySet<number> = new Set([...SPEC_GENERIC_CODES, SC.INVALID_NAMESPACE, SC.LBA_OUT_OF_RANGE]);
const STANDARD_COMMAND_SPECIFIC: ReadonlySet<number> = new Set(Object.values(SC_CMD));

/** The standard profile (tp4159) adds its own command-specific codes (section 2), AER Limit Exceeded and Invalid Log Page. */
const HMLM_COMMAND_SPECIFIC: ReadonlySet<number> = new Set([...STANDARD_COMMAND_SPECIFIC, ...Object.values(SC_HMLM), SC_AER_LIMIT_EXCEEDED, SC_INVALID_LOG_PAGE]);

/** True when (sct, sc) is a status this command may complete with; `hmlm`: a tp4159 device, whose management commands use the standard's codes. */
export function knownStatus(sct: number, sc: number, lmCommand: boolean, hmlm = false): boolean {
  if (hmlm) return sct === SCT_GENERIC ? STANDARD_GENERIC_CODES.has(sc) : sct === SCT_COMMAND_SPECIFIC && HMLM_COMMAND_SPECIFIC.has(sc);
  if (sct === SCT_GENERIC) return (lmCommand ? SPEC_GENERIC_CODES : STANDARD_GENERIC_CODES).has(sc);
  return !lmCommand && sct === SCT_COMMAND_SPECIFIC && STANDARD_COMMAND_SPECIFIC.has(sc);
}
