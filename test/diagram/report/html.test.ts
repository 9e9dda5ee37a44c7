// The HTML report as text: escaping, the sections that appear or not, the
// verdict, and a page fit to stand alone (no URL, no script, unique ids).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { esc } from '../../../src/diagram/report/escape.ts';
import { renderReport } from '../../../src/diagram/report/html.ts';
import { inlineSvg } from '../../../src/diagram/report/diagrams.ts';
import { verdictOf } from '../../../src/diagram/report/verdict.ts';
import { parseCheckJson } from '../../../src/diagram/report/checkJson.ts';
import { doorbellToy, vfToy } from '../../check/toys.ts';
import { buildFixture } from './fixture.ts';

type Json = Record<string, unknown>;

/** Results with no machine to draw (fast), one invariant, one liveness property and the given tests. */
function bare(tests?: Json, extra: Json = {}): Json {
  return { machines: [], invariants: [{ id: 'I1', holds: true, description: 'd' }], liveness: [{ id: 'L2', holds: true, ms: 1 }], ...(tests ? { tests } : {}), ...extra };
}

const failure = (over: Json = {}): Json => ({ machine: 'vf', path: 'p1', step: 2, expected: 'SUCCESS', observed: 'SEQUENCE_ERROR', ...over });

/** The part of the page between the opening tag with this id and the next section. */
function sectionOf(html: string, id: string): string {
  const at = html.indexOf(`<section id="${id}"`);
  if (at < 0) return '';
  const end = html.indexOf('</section>', at);
  return html.slice(at, end);
}

describe('escaping', () => {
  it('esc replaces & < > " and \' and nothing else', () => {
    expect(esc(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    expect(esc('plain text: 0x0C, D5')).toBe('plain text: 0x0C, D5');
  });

  it('hostile text in every field stays text: no tag, attribute or script gets through', async () => {
    const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;`;
    const check = bare(
      { passed: 0, failed: 1, failures: [failure({ machine: evil, path: evil, expected: evil, observed: evil })] },
      {
        machines: [{ id: evil, description: evil, states: 1, transitions: { reachable: 0, covered: 0 }, unreachable: [evil] }],
        invariants: [
          {
            id: evil,
            machine: evil,
            holds: false,
            description: evil,
            counterexample: {
              message: evil,
              trace: { initial: { value: evil, context: { note: evil } }, steps: [{ event: { type: evil, arg: evil }, value: { [evil]: evil }, context: {}, edges: [evil] }] },
            },
          },
        ],
        liveness: [{ id: evil, holds: false, fairness: evil, lasso: { stem: { initial: { value: evil }, steps: [] }, cycle: [], stuck: true } }],
      },
    );
    const html = await renderReport(check, []);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    // the text may mention onerror, but no tag carries it as an attribute (attribute values blanked first)
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*onerror/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // an entity in the data is shown as typed, not decoded
    expect(html).toContain('&amp;amp;');
  });

  it('property: text in the results never adds markup (the count of "<" is the same for any string)', async () => {
    const render = (s: string): Promise<string> =>
      renderReport(bare({ passed: 0, failed: 1, failures: [failure({ path: s, expected: s, observed: s, machine: s })] }, { invariants: [{ id: s, holds: true, description: s }] }), []);
    const count = (html: string): number => html.split('<').length;
    const reference = count(await render('x'));
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), async (s) => {
        expect(count(await render(s))).toBe(reference);
      }),
      { numRuns: 200 },
    );
  });
});

describe('failing paths', () => {
  it('a section lists every failing path: machine, path, step, expected and observed', async () => {
    const html = await renderReport(bare({ passed: 3, failed: 2, failures: [failure(), failure({ path: 'p2', step: 7, expected: 'INVALID_FIELD D4', observed: 'SUCCESS' })] }), []);
    const s = sectionOf(html, 'failures');
    expect(s).toContain('Failing paths (2)');
    expect(s).toContain('<code>p1</code>');
    expect(s).toContain('<td class="num">7</td>');
    expect(s).toContain('<td class="expected"><pre>INVALID_FIELD D4</pre></td><td class="observed"><pre>SUCCESS</pre></td>');
    expect(html).toContain('<a href="#failures">');
  });

  it('a property merged over many machines (as `nvme-lm check` writes it) shows its description and the machines it was checked on', async () => {
    const html = await renderReport(
      bare(undefined, { invariants: [{ id: 'I1', holds: true, description: 'No LM command on a VF admin queue changes any state (D1)', machines: ['vfLifecycle', 'pfAcceptance:lm'] }] }),
      [],
    );
    const s = sectionOf(html, 'invariants');
    expect(s).toContain('<td>No LM command on a VF admin queue changes any state (D1)</td>');
    expect(s).toContain('<summary>2 machines</summary>vfLifecycle<br>pfAcceptance:lm');
    expect(s).not.toContain('<td class="machine">-</td>');
  });

  it('edges unreachable in one configuration but reached in another are a note of their own, not dead specification', () => {
    const machine = (id: string, unreachable: string[], dead: string[]): Json => ({ id, states: 1, transitions: { reachable: 1, covered: 1 }, unreachable, dead });
    const v = verdictOf(parseCheckJson(bare({ passed: 1, failed: 0, failures: [] }, { machines: [machine('a:lm', ['e1'], []), machine('a:no-lm', ['e2', 'e3'], ['e3'])] }), 'x'));
    expect(v.pass).toBe(true);
    expect(v.notes).toContain('1 definition edge unreachable (dead specification): see the coverage table');
    expect(v.notes).toContain('2 definition edges unreachable in one configuration but reached in another of the same machine (another profile or option set): not dead');
  });

  it('no section (and no link to it) when every path test passed', async () => {
    const html = await renderReport(bare({ passed: 3, failed: 0, failures: [] }), []);
    expect(html).not.toContain('id="failures"');
    expect(html).not.toContain('href="#failures"');
  });

  it('failed > 0 with no path listed: the section says so instead of vanishing', async () => {
    const html = await renderReport(bare({ passed: 3, failed: 2, failures: [] }), []);
    expect(sectionOf(html, 'failures')).toContain('2 path test(s) failed, but the check results list no failing path');
  });

  it('a failing path links to its machine\'s diagram', async () => {
    const { check, catalog } = buildFixture([vfToy({ saveWhileRunning: true })]);
    (check.tests as Json).failures = [failure({ machine: 'vf:bug' })];
    const html = await renderReport(check, catalog);
    const anchor = /<h3 id="([^"]+)">vf:bug<\/h3>/.exec(html)?.[1];
    expect(anchor).toBeDefined();
    expect(sectionOf(html, 'failures')).toContain(`<a href="#${anchor}">vf:bug</a>`);
  });
});

describe('verdict and summary', () => {
  it('PASS only when every invariant and liveness property holds and no path test failed', () => {
    expect(verdictOf(parseCheckJson(bare({ passed: 2, failed: 0, failures: [] }), 'x'))).toEqual({ pass: true, reasons: [], notes: [] });
    const failing = verdictOf(parseCheckJson(bare({ passed: 2, failed: 1, failures: [failure()] }, { liveness: [{ id: 'L3', holds: false }] }), 'x'));
    expect(failing.pass).toBe(false);
    expect(failing.reasons).toEqual(['1 liveness property violated (L3)', '1 path test failed']);
  });

  it('no tests in the results: a note, not a silent pass of zero tests', async () => {
    const html = await renderReport(bare(), []);
    expect(html).toContain('path tests: <b>not run</b>');
    expect(html).toContain('no path tests were run');
  });

  it('I5 counterexample: the summary fails, the trace shows every event with the offending one marked', async () => {
    const { check, catalog } = buildFixture([vfToy({ saveWhileRunning: true })]);
    const html = await renderReport(check, catalog);
    expect(html).toContain('<title>nvme-lm check report: FAIL</title>');
    expect(html).toContain('1 invariant violated (I5)');
    const inv = sectionOf(html, 'invariants');
    expect(inv).toContain('SAVE succeeded on a running VF');
    expect(inv).toMatch(/<tr><td class="n">1<\/td><td class="event"[^>]*>ENABLE<\/td><td class="state">running<\/td>/);
    expect(inv).toMatch(/<tr class="offending"><td class="n">2<\/td><td class="event"[^>]*>SAVE<\/td><td class="state">saved<\/td>/);
  });

  it('L2 lasso: the stem, then the cycle that repeats forever', async () => {
    const { check, catalog } = buildFixture([doorbellToy({ resumeForgets: true })]);
    const live = sectionOf(await renderReport(check, catalog), 'liveness');
    expect(live).toContain('fairness: a suspended VF is eventually resumed');
    expect(live).toContain('then repeats forever:');
    expect(live).toMatch(/<tr class="cycle"><td class="n">3<\/td><td class="event"[^>]*>RESUME<\/td>/);
  });

  it('a lasso that gets stuck says the run stops with the obligation pending', async () => {
    const check = bare(undefined, { liveness: [{ id: 'L4', holds: false, lasso: { stem: { initial: { value: 'draining' }, steps: [] }, cycle: [], stuck: true } }] });
    expect(sectionOf(await renderReport(check, []), 'liveness')).toContain('stops here: no transition leaves this state');
  });
});

describe('diagrams and coverage', () => {
  it('one inline <svg> per machine; the page has no URL, no script and no duplicate id', async () => {
    const { check, catalog } = buildFixture([vfToy({ saveWhileRunning: true }), doorbellToy({ resumeForgets: true })]);
    const html = await renderReport(check, catalog);
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html).not.toMatch(/<\?xml|svg11\.dtd|https?:|<script/i);
    expect(html.match(/<!DOCTYPE/g)?.length).toBe(1);
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
  });

  it('the coverage table gives states, transitions, covered edges of reachable, and the unreachable list', async () => {
    const check = bare(undefined, {
      machines: [
        { id: 'm', states: 7, transitions: { reachable: 9, covered: 4 }, unreachable: ['m.a|DEAD|0'], coveredEdges: ['e1', 'e2'], reachableEdges: ['e1', 'e2', 'e3'] },
      ],
    });
    const table = sectionOf(await renderReport(check, []), 'coverage');
    expect(table).toContain('<td class="num">7</td><td class="num">9</td><td class="num">4</td><td class="num partial">2 / 3 (66%)</td>');
    expect(table).toContain('<li><code>m.a|DEAD|0</code></li>');
  });

  it('coverage colours: the SVG carries the covered and uncovered colours, and the legend counts each', async () => {
    const { check, catalog, uncovered } = buildFixture([vfToy({ saveWhileRunning: true })]);
    const html = await renderReport(check, catalog);
    expect(html).toContain('stroke="#2e7d32"');
    expect(html).toContain('stroke="#c62828"');
    expect(html).toContain(`reachable, not covered (${uncovered.get('vf:bug')?.length})`);
  });

  it('results without coveredEdges: the diagram is drawn uncoloured and says why', async () => {
    const { check, catalog } = buildFixture([vfToy()]);
    for (const m of check.machines as Json[]) delete m.coveredEdges;
    const html = await renderReport(check, catalog);
    expect(html).toContain('No coverage in the check results for this machine');
    expect(html).not.toContain('stroke="#c62828"');
  });

  it('a checked machine missing from the catalog, a catalog machine not checked, edge ids the machine lacks: each is reported', async () => {
    const { check, catalog } = buildFixture([vfToy()]);
    const [entry] = check.machines as Json[];
    (entry.coveredEdges as string[]).push('vf.gone|OLD|0');
    (check.machines as Json[]).push({ id: 'ghost', states: 1, transitions: { reachable: 0, covered: 0 }, unreachable: [] });
    const extra = buildFixture([doorbellToy()]).catalog;
    const html = await renderReport(check, [...catalog, ...extra]);
    expect(html).toContain('No diagram: the machine catalog has no machine "ghost"');
    expect(html).toContain('In the catalog but not in these check results: <code>doorbell</code>');
    expect(html).toContain('The check results name 1 edge(s) this machine does not have (e.g. <code>vf.gone|OLD|0</code>)');
  });

  it('inlineSvg drops the XML prolog, DOCTYPE, comments and namespace URLs, and prefixes every id', () => {
    const svg =
      '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<!-- c -->\n' +
      '<svg width="10pt" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g id="state:a"><a xlink:title="a"></a></g></svg>';
    expect(inlineSvg(svg, 'm-1', 'diagram of <a>')).toBe(
      '<svg class="diagram-svg" role="img" aria-label="diagram of &lt;a&gt;" width="10pt"><g id="m-1:state:a"><a xlink:title="a"></a></g></svg>',
    );
    expect(() => inlineSvg('<p>no</p>', 'm', 'x')).toThrow(/returned no <svg> element for x/);
  });
});

describe('progress', () => {
  it('renderReport announces each machine before drawing it, in order, with the total (the report command shows it as a bar)', async () => {
    const fixture = buildFixture();
    const seen: string[] = [];
    await renderReport(fixture.check, fixture.catalog, { onDiagram: (done, total, id) => seen.push(`${done}/${total} ${id}`) });
    const ids = fixture.catalog.map((m) => m.id);
    expect(seen).toEqual(ids.map((id, i) => `${i}/${ids.length} ${id}`));
  });
});
