// A one-line progress display for long explorations, on stderr and only when
// stderr is a terminal (never in tests, pipes or CI logs).
import type { ExploreProgress } from './explore.ts';

interface ProgressLine {
  onProgress(p: ExploreProgress): void;
  /** clears the line */
  done(): void;
}

export function terminalProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (!stream.isTTY) return undefined;
  let shown = false;
  return {
    onProgress(p) {
      const rate = p.ms > 0 ? Math.round((p.states / p.ms) * 1000) : 0;
      stream.write(
        `\r\x1b[2K${label}: ${p.states.toLocaleString('en')} states, ${p.transitions.toLocaleString('en')} transitions, ` +
          `depth ${p.depth}, frontier ${p.frontier.toLocaleString('en')}, ${rate.toLocaleString('en')} states/s`,
      );
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
