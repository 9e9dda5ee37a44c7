// Every "Example(s):" line of every command's --help runs: the commands are
// parsed by the real program (so an unknown option, a bad choice or a wrong
// argument fails here), and the quick ones are also run in-process with their
// output checked for errors. A slow or outside-dependent example (the full
// check, QEMU, a file only a device produces) is parsed, and the reason it is
// not run is printed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

/** Commands whose examples only parse here, and why they are not run. */
const PARSE_ONLY: Record<string, string> = {
  check: 'the full check runs every suite (about a minute); test/verify/check.test.ts runs the job',
  report: 'runs the full check first; test/diagram/report runs the command on fixtures',
  verify: 'runs whole suites (minutes, or QEMU); test/cli/verify.test.ts runs --exec "nvme-lm serve" through the launcher',
  serve: 'reads JSON lines from stdin until it closes; test/cli/verify.test.ts serves the suites',
  fuzz: 'runs thousands of fuzz runs; test/fuzz/cli.test.ts runs the command',
  migrate: 'a migration with I/O (and --matrix every fault); test/migrate runs the scenario',
};

/** Example arguments that need something the test cannot make quickly. */
const NEEDS: Array<[RegExp, string]> = [
  [/--state vf1\.state/, 'needs a controller state saved from a device (Migration Receive)'],
  [/--all/, 'draws every machine in every format (tens of seconds); test/diagram/cli.test.ts draws --all on toys'],
  [/--kernel pre-fix|lassos/, 'runs the model checker on the pre-fix kernel; test/machines/vfio/walkCli.test.ts runs it'],
];

function helpText(path: string[]): string {
  const program = buildProgram();
  let cmd: Command = program;
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name) as Command;
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    cmd.outputHelp();
  } finally {
    spy.mockRestore();
  }
  return out;
}

function commandPaths(c: Command, prefix: string[] = []): string[][] {
  return c.commands.flatMap((s) => [[...prefix, s.name()], ...commandPaths(s as Command, [...prefix, s.name()])]);
}

/** The example lines under "Example:" / "Examples:" (up to the first blank line), "$ " and trailing notes removed. */
export function examplesOf(help: string): string[] {
  const out: string[] = [];
  for (const block of help.split(/\nExamples?:\n/).slice(1)) {
    for (const line of block.split('\n')) {
      if (line.trim() === '') break;
      out.push(line.trim().replace(/^\$ /, '').split(/ {2,}/)[0].trim());
    }
  }
  return out;
}

/** Shell words with '…' and "…" quoting, and the operators && | > as words of their own. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(&&|\||>)|([^\s'"|>&]+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

interface Step {
  argv: string[];
  /** the file `> file` sends its stdout to */
  to?: string;
  /** fed from a pipe: `echo … | nvme-lm …` */
  piped: boolean;
}

function steps(line: string): Step[] {
  const result: Step[] = [];
  let piped = false;
  for (const part of line.split('&&')) {
    const segments = part.split('|');
    for (const [i, seg] of segments.entries()) {
      const w = words(seg);
      piped = i > 0;
      if (w[0] !== 'nvme-lm') continue; // echo … feeding a pipe
      const gt = w.indexOf('>');
      result.push({ argv: gt < 0 ? w.slice(1) : w.slice(1, gt), to: gt < 0 ? undefined : w[gt + 1], piped });
    }
  }
  return result;
}

async function run(argv: string[], parseOnly: boolean): Promise<{ stdout: string; error?: unknown; exitCode: number }> {
  const program = buildProgram();
  if (parseOnly) {
    const stub = (c: Command): void => {
      c.action(() => {});
      c.commands.forEach((x) => stub(x as Command));
    };
    program.commands.filter((c) => c.name() === argv[0]).forEach(stub);
  }
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    stdout += a.join(' ') + '\n';
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { stdout, exitCode: typeof process.exitCode === 'number' ? process.exitCode : 0 };
  } catch (error) {
    return { stdout, error, exitCode: 2 };
  } finally {
    out.mockRestore();
    log.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

const examples = commandPaths(buildProgram()).flatMap((path) => examplesOf(helpText(path)).map((line) => ({ path: path.join(' '), line })));

/** files an example writes that was only parsed: a later example reading one is only parsed too */
const unwritten = new Set<string>();

let dir: string;
const home = process.cwd();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nvme-lm-examples-'));
  process.chdir(dir);
});
afterAll(async () => {
  process.chdir(home);
  await rm(dir, { recursive: true, force: true });
});

describe('every --help example runs', () => {
  it('the help texts have examples to run (non-vacuity)', () => {
    expect(examples.length).toBeGreaterThan(25);
    expect(new Set(examples.map((e) => e.path.split(' ')[0]))).toEqual(new Set(['check', 'diagram', 'report', 'vfio', 'encode', 'decode', 'serve', 'verify', 'fuzz', 'migrate', 'explain']));
  });

  it('an invalid example is caught (the decode example that had 32 bytes of hex)', async () => {
    const r = await run(['decode', '0'.repeat(64)], false);
    expect(r.exitCode).toBe(2);
  });

  it.each(examples)('$path: $line', async ({ line }) => {
    for (const step of steps(line)) {
      const reads = step.argv.find((a, i) => unwritten.has(a) && step.argv[i - 1] !== '-o');
      const reason =
        (reads ? `reads ${reads}, which an example before writes (not run here)` : undefined) ??
        PARSE_ONLY[step.argv[0]] ??
        (step.piped ? 'reads stdin' : undefined) ??
        NEEDS.find(([re]) => re.test(step.argv.join(' ')))?.[1];
      const r = await run(step.argv, reason !== undefined);
      expect(r.error, `nvme-lm ${step.argv.join(' ')}: ${String(r.error)}`).toBeUndefined();
      expect(r.exitCode, `nvme-lm ${step.argv.join(' ')} exit code`).toBe(0);
      if (reason !== undefined) {
        console.info(`parsed, not run: nvme-lm ${step.argv.join(' ')} (${reason})`);
        const o = step.argv.indexOf('-o');
        for (const f of [step.to, o < 0 ? undefined : step.argv[o + 1]]) if (f !== undefined) unwritten.add(f);
      } else if (step.to) {
        await writeFile(step.to, r.stdout);
      }
    }
  });
});
