import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOutcome, formatStatus, outcomeFromMeta, statusName } from '../../src/diagram/status.ts';

const label = (meta: unknown): string | undefined => {
  const o = outcomeFromMeta(meta);
  return o && formatOutcome(o);
};

describe('NVMe status labels', () => {
  it('D1: a VF-queue rejection reads "Invalid Command Opcode (SC 01h, DNR) D1"', () => {
    expect(label({ status: { sct: 0, sc: 0x01, dnr: true }, decision: 'D1' })).toBe('Invalid Command Opcode (SC 01h, DNR) D1');
  });

  it('D5: flat meta { sc, decision } reads as Command Sequence Error, no DNR when not set', () => {
    expect(label({ sc: 0x0c, decision: 'D5' })).toBe('Command Sequence Error (SC 0Ch) D5');
  });

  it('D1 drop policy: a completion of "none" reads "no completion D1"', () => {
    expect(label({ completion: 'none', decision: 'D1' })).toBe('no completion D1');
    expect(label({ status: 'none', decision: 'D13' })).toBe('no completion D13');
  });

  it('D7: a symbolic status name is shown as given, with DNR', () => {
    expect(label({ status: 'INVALID_FIELD', dnr: true, decision: 'D7' })).toBe('INVALID_FIELD (DNR) D7');
  });

  it('I8/D16: the commands an arc sends are listed', () => {
    expect(label({ arc: 'RUNNING->STOP', commands: ['SUSPEND'], dataFd: 'keep', decision: 'I8' })).toBe('sends SUSPEND I8');
  });

  it('a meta without status, commands or decision (or decision "none") gives no label', () => {
    expect(outcomeFromMeta(undefined)).toBeUndefined();
    expect(outcomeFromMeta({ completion: 'unspecified', decision: 'none', summary: 'not an LM command' })).toBeUndefined();
    expect(outcomeFromMeta({ commands: [], decision: '' })).toBeUndefined();
  });

  it('I2: every status code of the spec table (SCT 0) has its name', () => {
    const table: Array<[number, string]> = [
      [0x00, 'Successful Completion'],
      [0x01, 'Invalid Command Opcode'],
      [0x02, 'Invalid Field in Command'],
      [0x03, 'Command ID Conflict'],
      [0x04, 'Data Transfer Error'],
      [0x06, 'Internal Error'],
      [0x08, 'Command Aborted due to SQ Deletion'],
      [0x0c, 'Command Sequence Error'],
      [0x13, 'PRP Offset Invalid'],
      [0x15, 'Operation Denied'],
    ];
    for (const [sc, name] of table) expect(statusName({ sct: 0, sc, dnr: false })).toBe(name);
  });

  it('I2: any status prints its SC as two upper-case hex digits, SCT when not generic, DNR exactly when set', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xff }), fc.boolean(), (sct, sc, dnr) => {
        const text = formatStatus({ sct, sc, dnr });
        expect(text).toContain(`SC ${sc.toString(16).toUpperCase().padStart(2, '0')}h`);
        expect(text.includes('DNR')).toBe(dnr);
        expect(text.includes('SCT ')).toBe(sct !== 0);
      }),
    );
  });
});
