// The data fds of a VFIO migration, as objects. A SaveStream carries what
// SAVE wrote (STOP_COPY; opened empty in PRE_COPY, since a VF's state can
// only be captured suspended). A ResumeStream collects what user space writes
// for LOAD, in a fixed 256 KiB buffer as the RFC driver does (D16). The
// driver disables a stream when its arc ends it or the VF is reset (D13);
// afterwards reads fail with EINVAL and writes with ENODEV, as in the RFC.
import { HostError } from '../errors.ts';
import type { DmaBuffer } from '../prp.ts';
import type { UserDataLog } from '../userDataLog.ts';

/** The RFC driver's MAX_MIGRATION_SIZE. */
export const RESUME_BUFFER_BYTES = 256 * 1024;

/**
 * VFIO_MIG_GET_PRECOPY_INFO. Project decision (shared with machines/vfio):
 * initial_bytes is QUERY's size, i.e. what the STOP_COPY phase will deliver,
 * although reads in pre-copy return nothing (the uAPI lets these estimates
 * have no bearing on the data actually read); dirty_bytes is always 0.
 */
interface PrecopyInfo {
  initialBytes: number;
  dirtyBytes: number;
}

export class SaveStream {
  private buffer: DmaBuffer | undefined;
  private length = 0;
  private position = 0;
  private disabled = false;
  /** 'pre-copy' until SAVE data arrives; then 'stop-copy' */
  phase: 'pre-copy' | 'stop-copy';
  /** QUERY's answer when the stream was opened or filled: the STOP_COPY length estimate */
  queriedBytes: number;
  /** tp4159: the user data log a pre-copy stream carries (section 6); the host drains it and copies the ranges */
  dirtyLog: UserDataLog | undefined = undefined;

  constructor(phase: 'pre-copy' | 'stop-copy', queriedBytes: number) {
    this.phase = phase;
    this.queriedBytes = queriedBytes;
  }

  /** Driver side: the SAVE data is in `buffer`'s first `length` bytes. */
  attach(buffer: DmaBuffer, length: number): void {
    this.buffer?.free();
    this.buffer = buffer;
    this.length = length;
    this.position = 0;
    this.phase = 'stop-copy';
    this.queriedBytes = length;
  }

  /** Total bytes this stream yields. */
  get size(): number {
    return this.length;
  }

  get remaining(): number {
    return this.length - this.position;
  }

  get isDisabled(): boolean {
    return this.disabled;
  }

  /** VFIO_MIG_GET_PRECOPY_INFO: only valid while the VF is in a pre-copy state. */
  precopyInfo(): PrecopyInfo {
    this.assertEnabled();
    if (this.phase !== 'pre-copy') throw new HostError('EINVAL', 'pre-copy info is only available in PRE_COPY or PRE_COPY_P2P');
    return { initialBytes: this.queriedBytes, dirtyBytes: 0 };
  }

  /** Read up to `max` bytes; an empty array means end of data. */
  async read(max = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
    this.assertEnabled();
    if (!Number.isInteger(max) || max < 0) throw new HostError('EINVAL', `read length must be a non-negative integer, got ${max}`);
    const n = Math.min(max, this.remaining);
    if (n === 0 || !this.buffer) return new Uint8Array(0);
    const bytes = await this.buffer.read(this.position, n);
    this.position += n;
    return bytes;
  }

  /** Read everything left. */
  async readAll(): Promise<Uint8Array> {
    return this.read(this.remaining);
  }

  /** Driver side: end the stream and release its buffer. */
  disable(): void {
    this.disabled = true;
    this.buffer?.free();
    this.buffer = undefined;
  }

  private assertEnabled(): void {
    if (this.disabled) {
      throw new HostError('EINVAL', 'this migration stream was closed (its arc ended it, or the VF was reset); set the state again to get a new one');
    }
  }
}

export class ResumeStream {
  private written = 0;
  private disabled = false;

  constructor(private readonly buffer: DmaBuffer) {
    if (buffer.bytes < RESUME_BUFFER_BYTES) throw new RangeError(`a resume buffer needs ${RESUME_BUFFER_BYTES} bytes, got ${buffer.bytes}`);
  }

  get bytesWritten(): number {
    return this.written;
  }

  get capacity(): number {
    return RESUME_BUFFER_BYTES;
  }

  get isDisabled(): boolean {
    return this.disabled;
  }

  /**
   * Append `data`. A write that would end past 256 KiB fails whole with
   * ENOMEM and the bytes written before it stay (D16), as in the RFC driver.
   */
  async write(data: Uint8Array): Promise<number> {
    if (this.disabled) {
      throw new HostError('ENODEV', 'this resume stream was closed (LOAD completed, or the VF was reset); enter RESUMING again to get a new one');
    }
    if (this.written + data.length > RESUME_BUFFER_BYTES) {
      throw new HostError(
        'ENOMEM',
        `writing ${data.length} bytes at offset ${this.written} would pass the ${RESUME_BUFFER_BYTES}-byte resume buffer; ` +
          `the ${this.written} bytes written so far are kept (D16). Migration data this large cannot be loaded by this driver.`,
      );
    }
    await this.buffer.write(this.written, data);
    this.written += data.length;
    return data.length;
  }

  /** Driver side: the buffer LOAD reads from. */
  get dmaBuffer(): DmaBuffer {
    return this.buffer;
  }

  disable(): void {
    this.disabled = true;
    this.buffer.free();
  }
}
