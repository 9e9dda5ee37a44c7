// Host-side steps the QEMU tests share: enable a controller on an admin queue
// in low guest memory, create an I/O queue pair, decode completions.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findQemu } from '../../../src/verify/qemu/qemuProcess.ts';
import type { Adapter } from '../../../src/target/adapter.ts';
import { sqeFor } from '../../../src/wire/adminCommands.ts';
import { decodeCqe, type Cqe } from '../../../src/wire/cqe.ts';
import { CC_ENABLE, REG } from '../../../src/wire/registers.ts';

export const hasQemu = findQemu() !== null;
if (!hasQemu) console.log('QEMU not found: apt-get install qemu-system-x86 to run the QEMU tests');

/** A QEMU built with host-managed live migration (TP4159, `hmlms`), named by the environment; the README says where to get one. */
export const qemuTp4159 = process.env.NVME_LM_QEMU_TP4159 || undefined;

/** Each function gets 1 MiB of low memory for its queues: admin SQ/CQ, I/O SQ/CQ. */
export function queueBase(fn: number): bigint {
  return 0x100000n * BigInt(fn + 1);
}
/** Data buffers live above the queue areas. */
export const DATA = 0x1000000n;

export const ADMIN_ENTRIES = 8;

export async function enableController(a: Adapter, fn: number): Promise<bigint> {
  const base = queueBase(fn);
  await a.regWrite(fn, REG.AQA, 4, BigInt(((ADMIN_ENTRIES - 1) << 16) | (ADMIN_ENTRIES - 1)));
  await a.regWrite(fn, REG.ASQ, 8, base);
  await a.regWrite(fn, REG.ACQ, 8, base + 0x1000n);
  await a.regWrite(fn, REG.CC, 4, CC_ENABLE);
  return a.regRead(fn, REG.CSTS, 4);
}

export async function createIoPair(a: Adapter, fn: number, qid = 1, entries = 16): Promise<[Cqe, Cqe]> {
  const base = queueBase(fn);
  const cq = await mustComplete(a.submit(fn, 0, sqeFor.createIoCq(0x10, qid, entries, base + 0x2000n)));
  const sq = await mustComplete(a.submit(fn, 0, sqeFor.createIoSq(0x11, qid, entries, base + 0x3000n, qid)));
  return [cq, sq];
}

export async function mustComplete(p: Promise<Uint8Array | null>): Promise<Cqe> {
  const bytes = await p;
  if (bytes === null) throw new Error('no completion arrived');
  return decodeCqe(bytes);
}

export async function regs(a: Adapter, fn: number): Promise<{ cc: bigint; csts: bigint }> {
  return { cc: await a.regRead(fn, REG.CC, 4), csts: await a.regRead(fn, REG.CSTS, 4) };
}

/** A 4 KiB pattern that differs per `seed`. */
export function pattern(seed: number): Uint8Array {
  return new Uint8Array(4096).map((_, i) => (i * 31 + seed * 17 + 1) & 0xff);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run `nvme-lm <args>` (this repository's launcher) as a separate process. */
export function nvmeLm(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/nvme-lm.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A process counts as gone when /proc has no entry for it or it is a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
