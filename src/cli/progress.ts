// The one progress display of the long commands (check, verify, report; fuzz
// draws its own runs bar): done/total, rate, ETA and what runs now, on
// stderr when it is a terminal, and nothing at all on a pipe or with --json.
import type { SingleBar } from 'cli-progress';

export interface Progress {
  /** `done` of `total` steps are finished; `what` runs now */
  update(what: string, done: number, total: number): void;
  /** clears the bar (call once, also when the job threw) */
  stop(): void;
}

const silent: Progress = { update: () => {}, stop: () => {} };

/** A bar on stderr when `show` and stderr is a terminal; otherwise a display that prints nothing. */
export async function startProgress(label: string, show: boolean): Promise<Progress> {
  if (!show || process.stderr.isTTY !== true) return silent;
  const { default: cliProgress } = await import('cli-progress');
  const bar: SingleBar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {value}/{total} | {rate}/s | {eta_formatted} left | {what}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  let started = false;
  return {
    update(what, done, total) {
      const rate = done / Math.max((performance.now() - t0) / 1000, 0.001);
      const payload = { what, rate: rate.toFixed(1) };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
