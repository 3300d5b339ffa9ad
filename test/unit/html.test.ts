import t from 'tap';
import type { RunFiles } from '../../orchestrator/core/html.js';
import { matrixHtml } from '../../orchestrator/core/matrix-html.js';
import { htmlReport } from '../../orchestrator/core/nightly-report.js';
import { NIGHT } from '../night.js';
import { BASE_RUN, MATRIX_RUNS, matrixOf, SERIES_RUN } from '../runs.js';

const files = (dir: string, result: RunFiles['result']): RunFiles => ({
  logs: ['console.log', 'dmesg.txt'].map((name) => ({ name, href: `../runs/${dir}/${name}` })),
  result,
});

/** The evidence block a cell's link points at: from its id to the end of its <details>. */
function block(html: string, href: string): string {
  const id = /^#(.+)$/.exec(href)![1];
  const start = html.indexOf(`<div id="${id}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</details>', start));
}

const withRuns = {
  ...NIGHT,
  base: NIGHT.base.map((c) => ({ ...c, runDir: '/r/base' })),
  series: NIGHT.series.map((s, i) => ({
    ...s,
    cases: s.cases.map((c) => ({ ...c, runDir: i === 0 ? '/r/aaaa' : '/r/gone' })),
  })),
};
const runs = new Map([
  ['/r/base', files('base', BASE_RUN)],
  ['/r/aaaa', files('aaaa', SERIES_RUN)],
  ['/r/gone', { logs: [], result: null, missing: 'the run directory /r/gone is gone' }],
]);

t.test('nightly page: each cell links to its evidence', async (t) => {
  const html = htmlReport([withRuns], runs);
  const hrefs = [...html.matchAll(/<td [^>]*><a href="(#[^"]+)">/g)].map((m) => m[1]);
  t.equal(hrefs.length, 6, 'base and two series, two cases each');
  t.equal(new Set(hrefs).size, 6, 'one block each');
  t.ok(
    hrefs.every((h) => block(html, h)),
    'every link has its block',
  );
  const regression = block(
    html,
    hrefs.find((h) => /aaaa\.ib-reg-refusal_fsdax-ext4$/.test(h))!,
  );
  t.match(regression, /<dt>why<\/dt><dd>registered: expected refused<\/dd>/);
  t.match(
    regression,
    /<tr class="differs"><td>registered<\/td><td>false<\/td><td>true<\/td><\/tr>/,
    'expected beside observed, the difference marked',
  );
  t.match(regression, /<td>errno<\/td><td>95 \(EOPNOTSUPP\)<\/td><td>null<\/td>/);
  t.match(
    regression,
    /<li>WARNING in dax_disassociate_entry \(<a href="\.\.\/runs\/aaaa\/dmesg\.txt">dmesg<\/a>\)<\/li>/,
    'a warning links to its log',
  );
  t.match(regression, /<a href="\.\.\/runs\/aaaa\/console\.log">console\.log<\/a>/);
  const known = block(
    html,
    hrefs.find((h) => /aaaa\.ib-reg-refusal_fsdax-xfs$/.test(h))!,
  );
  t.match(
    known,
    /<dt>known<\/dt><dd>synthetic: a known failure for the report tests<br>record <code>synthetic-xfs<\/code>; /,
  );
  t.match(known, /; <a href="https:\/\/lore\.kernel\.org\/linux-mm\/">/, 'the reference, a link');
  t.match(known, /<dt>raw verdict<\/dt><dd>FAIL registered: expected false/);
  const gone = block(
    html,
    hrefs.find((h) => /bbbb\./.test(h))!,
  );
  t.match(gone, /<dt>results<\/dt><dd>the run directory \/r\/gone is gone<\/dd>/, 'a missing run says so');
  t.match(block(htmlReport([NIGHT]), hrefs[0]), /no run directory recorded/);
});

t.test('nightly page: a series opens its patchcheck and its mail', async (t) => {
  const html = htmlReport([withRuns], runs);
  const head = /<th><a href="(#[^"]+)">mm\/gup, dax: long-term pins of fs-DAX v2<\/a><\/th>/.exec(html);
  t.ok(head, 'the row head is a link');
  const series = block(html, head![1]);
  t.match(series, /<dt>patchcheck<\/dt><dd>patch 2\/3 &quot;b&quot; is the first that breaks it/);
  t.match(series, /<a href="dax-rdma\/2026-11-25\/mail\/aaaa\.txt">aaaa\.txt<\/a>/);
  t.match(block(html, /<th><a href="(#[^"]+)">fs\/dax: comment/.exec(html)![1]), /not run \(nothing regressed/);
  t.notMatch(html, /<script/, 'no script: <details> and anchors do it');
  t.equal((html.match(/<svg /g) ?? []).length, 3, 'the plots stay');
});

t.test("matrix page: cases × kernels, each cell opening its kernel's evidence", async (t) => {
  const m = matrixOf();
  const html = matrixHtml(
    m,
    m.kernels.map((k, i) => files(k.dir, MATRIX_RUNS[i].result)),
  );
  t.match(html, /<th>6\.1\.192 debian<br><small>6\.1\.0-56-amd64<br>6\.1\.192 · debian · debian:6\.1<br>/);
  t.match(
    html,
    /<br><a href="\.\.\/runs\/debian-6\.1\.192-2\/console\.log">console\.log<\/a>/,
    "the kernel's logs in its header",
  );
  const cells = [
    ...html.matchAll(/<td style="background:[^"]+" title="[^"]*"><a href="(#[^"]+)">([^<]+)(.*?)<\/a><\/td>/g),
  ];
  t.same(
    cells.map((c) => c[2]),
    ['PASS', 'FAIL ⚠1', 'KNOWN', 'PASS'],
  );
  t.match(cells[1][3], /<small>registered=true<\/small><br><small>errno=null<\/small>/, 'the values that set it apart');
  const fail = block(html, cells[1][1]);
  t.match(fail, /<dt>differs<\/dt><dd>registered=true, errno=null<\/dd>/);
  t.match(fail, /<tr class="differs"><td>registered<\/td><td>false<\/td><td>true<\/td><\/tr>/);
  t.match(fail, /<a href="\.\.\/runs\/debian-6\.12\.117-1\/dmesg\.txt">dmesg\.txt<\/a>/);
  t.match(block(html, cells[2][1]), /record <code>synthetic-xfs<\/code>/);
  const in612 = (file: string) => `<a href="../runs/debian-6.12.117-1/${file}">`;
  t.ok(
    fail.includes(`<li>WARNING in dax_disassociate_entry (${in612('dmesg.txt')}dmesg</a>)</li>`),
    'its source from results.json',
  );
  t.ok(
    html.includes(
      `<h2>kernel reports outside the cases</h2>\n<ul><li>6.12.117 debian: WARNING in rxe_cleanup (${in612('console.log')}`,
    ),
  );
  t.match(html, /2 cases × 2 kernels: <b>unexpected cells<\/b>/);
  const unread = matrixHtml(m, [undefined, { logs: [], result: null, missing: 'no readable results.json in x' }]);
  t.match(block(unread, cells[0][1]), /no run directory recorded/);
  t.match(block(unread, cells[1][1]), /no readable results\.json in x/);
});

t.test("a case's own files (fstests' .full, .out.bad) are links under its run directory", async (t) => {
  const tests = SERIES_RUN.tests.map((c, i) =>
    i === 0 ? { ...c, files: ['fstests-xfs-check/xfs/551.full', 'fstests-xfs-check/xfs/551.out.bad'] } : c,
  );
  const withFiles = new Map([
    ...runs,
    ['/r/aaaa', { ...files('aaaa', { ...SERIES_RUN, tests }), dirHref: '../runs/aaaa' }],
  ]);
  const html = htmlReport([withRuns], withFiles);
  const name = SERIES_RUN.tests[0].name.replace('/', '_');
  const href = [...html.matchAll(/<td [^>]*><a href="(#[^"]+)">/g)]
    .map((m) => m[1])
    .find((h) => h.includes(`aaaa.${name}`))!;
  t.match(
    block(html, href),
    '<dt>files</dt><dd><a href="../runs/aaaa/fstests-xfs-check/xfs/551.full">xfs/551.full</a> · ' +
      '<a href="../runs/aaaa/fstests-xfs-check/xfs/551.out.bad">xfs/551.out.bad</a></dd>',
  );
  t.notMatch(block(html, href.replace(name, SERIES_RUN.tests[1].name.replace('/', '_'))), '<dt>files</dt>');
});
