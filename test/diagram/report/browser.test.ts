// The report in a real browser: headless Chromium loads the file written to
// out/, and the test checks what a reader would see: every machine drawn,
// its state names on screen, the coverage colours on the right edges, and a
// page that logs no error and asks the network for nothing.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { COVERAGE_COLOURS } from '../../../src/diagram/dot.ts';
import { renderReport } from '../../../src/diagram/report/html.ts';
import { buildFixture, type Fixture } from './fixture.ts';

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const chromium = CHROMIUM_CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
if (!chromium) console.warn('browser test skipped: no Chromium found; install it with `apt-get install -y chromium` (or set CHROMIUM_PATH)');

const OUT = resolve('out');
const REPORT = join(OUT, 'report-test.html');
const SCREENSHOT = join(OUT, 'report-screenshot.png');

/** The label of every state below the root, as the DOT renderer writes it (what must show as text). */
function stateLabels(node: AnyStateNode): string[] {
  const label = (c: AnyStateNode): string => {
    if (c.type === 'history') return c.history === 'deep' ? 'H*' : 'H';
    return c.type === 'parallel' ? `${c.key} (parallel)` : c.key;
  };
  return (Object.values(node.states) as AnyStateNode[]).flatMap((c) => [label(c), ...stateLabels(c)]);
}

interface DrawnMachine {
  machine: string;
  anchor: string;
  svgs: number;
  box: { width: number; height: number };
  /** text of every <text> with a non-zero box */
  visibleTexts: string[];
  /** stroke colour of each edge path found, by edge id */
  strokes: Record<string, string>;
}

describe.skipIf(!chromium)('report in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let profile: string;
  let fixture: Fixture;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let drawn: DrawnMachine[] = [];

  beforeAll(async () => {
    fixture = buildFixture();
    await mkdir(OUT, { recursive: true });
    await writeFile(REPORT, await renderReport(fixture.check, fixture.catalog, { source: 'fixture' }));
    profile = await mkdtemp(join(tmpdir(), 'nvme-lm-report-chromium-'));
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
      ],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(REPORT).href, { waitUntil: 'load' });

    const ids = [...fixture.uncovered.values()].flat();
    drawn = await page.$$eval(
      'section.machine',
      (sections, edgeIds) =>
        sections.map((s) => {
          const anchor = s.querySelector('h3')?.id ?? '';
          const svgs = s.querySelectorAll('svg');
          const r = svgs[0]?.getBoundingClientRect();
          const visibleTexts = [...s.querySelectorAll('svg text')]
            .filter((t) => {
              const b = t.getBoundingClientRect();
              return b.width > 0 && b.height > 0;
            })
            .map((t) => (t.textContent ?? '').trim());
          const strokes: Record<string, string> = {};
          for (const id of edgeIds as string[]) {
            const path = s.querySelector(`[id="${anchor}:edge:${id}"] path`);
            if (path) strokes[id] = path.getAttribute('stroke') ?? '';
          }
          return { machine: s.getAttribute('data-machine') ?? '', anchor, svgs: svgs.length, box: { width: r?.width ?? 0, height: r?.height ?? 0 }, visibleTexts, strokes };
        }),
      ids,
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('every checked machine has a section with exactly one non-empty <svg> diagram', () => {
    const ids = fixture.catalog.map((c) => c.id);
    expect(drawn.map((d) => d.machine)).toEqual(ids);
    for (const d of drawn) {
      expect(d.svgs, d.machine).toBe(1);
      expect(d.box.width, d.machine).toBeGreaterThan(100);
      expect(d.box.height, d.machine).toBeGreaterThan(50);
    }
  });

  it('every state name of every machine is visible text in its diagram', () => {
    for (const entry of fixture.catalog) {
      const d = drawn.find((x) => x.machine === entry.id);
      const missing = stateLabels(entry.machine.root).filter((k) => !d?.visibleTexts.includes(k));
      expect(missing, `${entry.id}: states not drawn`).toEqual([]);
    }
  });

  it('coverage colours: uncovered edges are drawn red, and green (covered) is on the page', async () => {
    let checked = 0;
    for (const d of drawn) {
      for (const id of fixture.uncovered.get(d.machine) ?? []) {
        const stroke = d.strokes[id];
        if (stroke === undefined) continue; // a self-loop: merged into the state's one loop
        expect(stroke, `${d.machine} ${id}`).toBe(COVERAGE_COLOURS.uncovered);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
    const strokes = await page.$$eval('svg path', (paths) => [...new Set(paths.map((p) => p.getAttribute('stroke')))]);
    expect(strokes).toContain(COVERAGE_COLOURS.covered);
    expect(strokes).toContain(COVERAGE_COLOURS.uncovered);
    expect(await page.$$eval('ul.legend li.uncovered', (xs) => xs.length)).toBe(fixture.catalog.length);
  });

  it('the real counterexample and lasso are rendered, and the failing path with its text intact', async () => {
    const offending = await page.$$eval('table.trace tr.offending td.event', (tds) => tds.map((t) => t.textContent));
    expect(offending).toContain('SAVE');
    expect(await page.$$eval('table.lasso tr.cycle', (rows) => rows.length)).toBeGreaterThan(0);
    const observed = await page.$$eval('#failures td.observed', (tds) => tds.map((t) => t.textContent));
    expect(observed).toEqual(['<no completion> & "timeout" after 5000 ms']);
    expect(await page.$eval('#summary .badge', (b) => b.textContent)).toBe('FAIL');
  });

  it('"actual size" shows a wide diagram at its natural size, with no script (CSS only)', async () => {
    const section = 'section.machine[data-machine="pfAcceptance:lm"]';
    const width = (): Promise<number> => page.$eval(`${section} svg`, (svg) => svg.getBoundingClientRect().width);
    const fitted = await width();
    await page.click(`${section} input.zoom`);
    expect(await width()).toBeGreaterThan(fitted * 2);
    await page.click(`${section} input.zoom`);
    expect(await width()).toBe(fitted);
    expect(await page.$$eval('script', (xs) => xs.length)).toBe(0);
  });

  it('logs no console error and makes no request besides the file itself', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(REPORT).href]);
  });
});
