import t from 'tap';
import {
  ALARMING,
  baseCases,
  classifyCase,
  classifySeries,
  parsePlan,
  patchcheckTargets,
  seriesClass,
  storedVerdict,
  type CaseOutcome,
  type Classified,
} from '../../orchestrator/core/nightly.js';
import {
  htmlReport,
  junitXml,
  kcidb,
  renderMail,
  renderSummary,
  svgPlot,
} from '../../orchestrator/core/nightly-report.js';
import { NIGHT } from '../night.js';

const c = (name: string, verdict: CaseOutcome['verdict'], warnings: string[] = [], reason = ''): CaseOutcome => ({
  name,
  verdict,
  reason,
  warnings,
});

t.test('plans: one clear problem each', async (t) => {
  const ok = { base: { tree: 'linux-source' }, series: { dir: 'series' }, tests: ['ib-reg-refusal'] };
  t.match(parsePlan(ok, 'configs/nightly/x.yaml'), { name: 'x', base: { ref: 'HEAD' }, runs: 1, config: [] });
  t.throws(() => parsePlan({ ...ok, tests: [] }, 'p.yaml'), /p\.yaml: tests must be a non-empty list/);
  t.throws(
    () => parsePlan({ ...ok, series: { dir: 'a', maildir: 'b' } }, 'p.yaml'),
    /exactly one of dir, maildir, mbox/,
  );
  t.throws(() => parsePlan({ ...ok, runs: 0 }, 'p.yaml'), /runs must be a positive integer/);
  t.throws(() => parsePlan({ ...ok, tset: 1 }, 'p.yaml'), /unknown key "tset"/);
  t.throws(() => parsePlan('x', 'p.yaml'), /not a YAML mapping/);
  t.equal(parsePlan(ok, 'p.yaml').patchcheck, true, 'patchcheck of regressing series by default');
  t.throws(() => parsePlan({ ...ok, patchcheck: 'yes' }, 'p.yaml'), /patchcheck must be true or false/);
});

const knownCase = (name: string): CaseOutcome => ({
  ...c(name, 'KNOWN', [], 'the cause'),
  known: { id: 'bug-1', cause: 'the cause', reference: 'a commit' },
});

t.test('each case against the base', async (t) => {
  t.equal(classifyCase(c('x/a', 'PASS'), c('x/a', 'PASS')).class, 'PASS');
  t.equal(classifyCase(c('x/a', 'FAIL'), c('x/a', 'PASS')).class, 'REGRESSION');
  t.equal(classifyCase(c('x/a', 'CRASH'), c('x/a', 'PASS')).class, 'REGRESSION');
  t.equal(classifyCase(c('x/a', 'PASS'), c('x/a', 'FAIL')).class, 'FIXED');
  t.equal(
    classifyCase(c('x/a', 'PASS'), knownCase('x/a')).class,
    'FIXED',
    'the base had the known bug, the series does not',
  );
  t.equal(classifyCase(c('x/a', 'FAIL'), c('x/a', 'FAIL')).class, 'STILL-FAILING');
  t.equal(
    classifyCase(c('x/a', 'FAIL'), knownCase('x/a')).class,
    'STILL-FAILING',
    'failing otherwise than the known bug, as the base did',
  );
  t.same(classifyCase(c('x/a', 'PASS', ['WARNING in dax_insert_entry']), c('x/a', 'PASS', [])), {
    test: 'x/a',
    class: 'NEW-WARNING',
    detail: 'WARNING in dax_insert_entry',
  });
  t.equal(
    classifyCase(c('x/a', 'PASS', ['W']), c('x/a', 'PASS', ['W'])).class,
    'PASS',
    'a warning the base has too is not new',
  );
  t.same(classifyCase(knownCase('x/k'), knownCase('x/k')), {
    test: 'x/k',
    class: 'KNOWN',
    detail: 'the cause',
    known: { id: 'bug-1', cause: 'the cause', reference: 'a commit' },
  });
  t.equal(classifyCase(knownCase('x/k'), undefined).class, 'KNOWN', 'no base result to compare with');
  t.same(
    classifyCase(knownCase('x/k'), c('x/k', 'PASS')),
    { test: 'x/k', class: 'REGRESSION', detail: 'KNOWN bug-1: the cause (the base passes)' },
    'a known bug the base does not show is the series bringing it back',
  );
  t.equal(classifyCase(c('x/a', 'ERROR', [], 'guest lost'), c('x/a', 'PASS')).class, 'INFRA');
  t.same(classifyCase(c('x/a', 'SKIP', [], 'no ODP'), c('x/a', 'SKIP', [], 'no ODP')), {
    test: 'x/a',
    class: 'SKIP',
    detail: 'no ODP (skipped on the base too)',
  });
});

t.test('a case that ran on the base and SKIPs with the series is UNTESTED: never FIXED or PASS', async (t) => {
  const skips = c('x/a', 'SKIP', [], 'rdma_rxe did not load');
  t.same(classifyCase(skips, c('x/a', 'FAIL', [], 'registered')), {
    test: 'x/a',
    class: 'UNTESTED',
    detail: 'rdma_rxe did not load (the base: FAIL)',
  });
  t.equal(classifyCase(skips, knownCase('x/a')).class, 'UNTESTED', 'not FIXED: the known bug can no longer show');
  t.equal(classifyCase(skips, c('x/a', 'PASS')).class, 'UNTESTED', 'not PASS');
  t.equal(classifyCase(skips, c('x/a', 'CRASH')).class, 'UNTESTED');
  t.equal(classifyCase(skips, undefined).class, 'SKIP', 'no base result: nothing stopped running');
  t.same(
    classifyCase(knownCase('x/k'), c('x/k', 'SKIP', [], 'no ODP')).detail,
    'KNOWN bug-1: the cause (the base: SKIP no ODP)',
    'the detail says what the base did, not that it passed',
  );
  const night = classifySeries(['x'], undefined, [skips, c('x/b', 'PASS')], [c('x/a', 'FAIL'), c('x/b', 'PASS')]);
  t.same(
    night.map((x) => x.class),
    ['UNTESTED', 'PASS'],
  );
  t.equal(seriesClass(night), 'UNTESTED', 'the headline names it');
  t.ok(ALARMING.includes('UNTESTED'), 'a maintainer looks at it');
  t.equal(
    seriesClass(classifySeries(['x'], undefined, [c('x/a', 'SKIP')], [c('x/a', 'SKIP')])),
    'SKIP',
    'a series that tested nothing is not PASS',
  );
  t.equal(seriesClass([{ class: 'PASS' }, { class: 'SKIP' }]), 'PASS');
});

t.test("the base's own cases: a failure is inherited, not a regression", async (t) => {
  const self = (x: CaseOutcome) => classifySeries([x.name], undefined, [x], [x])[0];
  t.same(
    ['PASS', 'SKIP', 'FAIL', 'CRASH', 'ERROR'].map((v) => self(c('x/a', v as CaseOutcome['verdict'])).class),
    ['PASS', 'SKIP', 'STILL-FAILING', 'STILL-FAILING', 'INFRA'],
  );
  t.same(self(knownCase('x/k')), {
    test: 'x/k',
    class: 'KNOWN',
    detail: 'the cause',
    known: { id: 'bug-1', cause: 'the cause', reference: 'a commit' },
  });
  t.same(
    classifySeries(['x/a', 'x/b'], { kind: 'BOOT-FAIL', reason: 'panic' }, [], []).map((x) => x.class),
    ['BOOT-FAIL', 'BOOT-FAIL'],
    'a base that does not boot',
  );
  t.same(
    classifySeries(['x'], undefined, [c('x/a', 'PASS')], [c('x/a', 'PASS'), c('x/b', 'PASS')]).map((x) => [
      x.test,
      x.class,
    ]),
    [
      ['x/a', 'PASS'],
      ['x/b', 'REGRESSION'],
    ],
    'a case the base reported and the series did not',
  );
  t.same(
    classifySeries(['x'], undefined, [c('x/a', 'PASS')], [c('x/a', 'PASS'), c('x/b', 'SKIP', [], 'no ODP')]).map(
      (x) => [x.test, x.class, x.detail],
    ),
    [
      ['x/a', 'PASS', ''],
      ['x/b', 'SKIP', 'the series did not report this case; the base skipped it: no ODP'],
    ],
    'one the base skipped tested nothing there: no regression',
  );
});

t.test("a base that did not build or boot ran nothing: its rows never make a series' SKIP UNTESTED", async (t) => {
  const booted = classifySeries(['x/a'], { kind: 'BOOT-FAIL', reason: 'boot: panic' }, [], []);
  const stored = booted.map((x) => ({ ...x, verdict: storedVerdict(x, []) }));
  t.same(
    stored.map((x) => x.verdict),
    ['BOOT-FAIL'],
    "stored with its class, not as a case's ERROR",
  );
  t.same(baseCases(stored), []);
  const ran = [c('x/a', 'ERROR', [], 'precondition: not DAX')];
  const rows = classifySeries(['x/a'], undefined, ran, ran).map((x) => ({ ...x, verdict: storedVerdict(x, ran) }));
  t.same(
    baseCases(rows).map((x) => x.verdict),
    ['ERROR'],
    "the control: a case's own ERROR is kept",
  );
  const base = baseCases(stored).map((r) => c(r.test, r.verdict as CaseOutcome['verdict']));
  t.equal(classifySeries(['x/a'], undefined, [c('x/a', 'SKIP', [], 'no ODP')], base)[0].class, 'SKIP');
});

t.test('a series: stage failures stand for every case; the headline is the worst class', async (t) => {
  const tests = ['x/a', 'x/b'];
  t.same(
    classifySeries(tests, { kind: 'CONFIG-FAIL', reason: 'CONFIG_X dropped' }, [], []).map((x) => x.class),
    ['BUILD-FAIL', 'BUILD-FAIL'],
  );
  t.same(
    classifySeries(tests, { kind: 'APPLY-FAIL', reason: 'patch 2/3' }, [], []).map((x) => x.class),
    ['APPLY-FAIL', 'APPLY-FAIL'],
  );
  const mixed = classifySeries(
    tests,
    undefined,
    [c('x/a', 'FAIL'), c('x/b', 'PASS')],
    [c('x/a', 'PASS'), c('x/b', 'FAIL')],
  );
  t.same(
    mixed.map((x) => x.class),
    ['REGRESSION', 'FIXED'],
  );
  t.equal(seriesClass(mixed), 'REGRESSION');
  t.equal(seriesClass([{ class: 'PASS' }, { class: 'KNOWN' }]), 'KNOWN');
});

t.test(
  'patchcheck: regressing tests of a multi-patch series, all tests when it breaks the build or boot',
  async (t) => {
    const plan = parsePlan({ base: { tree: 't' }, series: { dir: 's' }, tests: ['a', 'b'] }, 'p.yaml');
    const k = (test: string, cls: Classified['class']): Classified => ({ test, class: cls, detail: '' });
    t.same(
      patchcheckTargets(plan, 3, [
        k('a/x', 'REGRESSION'),
        k('a/y', 'NEW-WARNING'),
        k('b/z', 'PASS'),
        k('a/x', 'REGRESSION'),
      ]),
      ['a/x'],
      'not the new warning: a patchcheck step judges verdicts only',
    );
    t.same(patchcheckTargets(plan, 3, [k('a', 'BUILD-FAIL'), k('b', 'BUILD-FAIL')]), ['a', 'b']);
    t.same(
      patchcheckTargets(plan, 3, [k('a/x', 'KNOWN'), k('b/z', 'STILL-FAILING'), k('b/w', 'FIXED')]),
      [],
      'nothing new broke',
    );
    t.same(patchcheckTargets(plan, 1, [k('a/x', 'REGRESSION')]), [], 'one patch: the series is the patch');
    t.same(
      patchcheckTargets(plan, 3, [k('a/x', 'UNTESTED'), k('a/y', 'SKIP')]),
      ['a/x'],
      'the patch that makes a test stop running is named too',
    );
    t.same(patchcheckTargets({ ...plan, patchcheck: false }, 3, [k('a/x', 'REGRESSION')]), [], 'turned off');
  },
);

t.test('the terminal summary and the mail', async (t) => {
  const text = renderSummary(NIGHT);
  t.match(text, /^dax-rdma 2026-11-25: base c2fa53280e04 \(6\.1\.192\): 2 PASS/);
  t.match(text, /REGRESSION\s+mm\/gup, dax: long-term pins of fs-DAX \(v2, 3 patches\): 1 REGRESSION, 1 KNOWN/);
  t.match(
    text,
    /KNOWN ib-reg-refusal\/fsdax-xfs: known: synthetic: a known failure for the report tests \(synthetic-xfs; https:\/\/lore\.kernel\.org\/linux-mm\/\)/,
  );
  t.match(text, /PASS\s+fs\/dax: comment \(v1, 1 patches\) \(reused\)/);
  t.match(text, /2 series, 1 need a look$/);
  const mail = renderMail(NIGHT, NIGHT.series[0]);
  t.match(
    mail,
    /^Subject: Re: \[PATCH v2\] mm\/gup, dax: long-term pins of fs-DAX\nIn-Reply-To: <20261120100000\.1000-0-ada@example\.org>\nReferences: <20261120100000\.1000-0-ada@example\.org>\n/,
  );
  t.match(mail, /Result: REGRESSION/);
  t.match(
    mail,
    /Each prefix of the series, built and tested on ib-reg-refusal\/fsdax-ext4:\n  patch 2\/3 "b" is the first that breaks it \(FAIL: ib-reg-refusal\/fsdax-ext4\)/,
  );
  t.match(text, /^      patchcheck: patch 2\/3 "b" is the first that breaks it/m);
  const stops = {
    ...NIGHT.series[0],
    patchcheck: {
      ...NIGHT.series[0].patchcheck!,
      verdict: 'UNTESTED',
      detail: 'odp-fsdax/fsdax-ext4 stop running (SKIP)',
    },
  };
  t.match(
    renderSummary({ ...NIGHT, series: [stops] }),
    /^ {6}patchcheck: patch 2\/3 "b" is the first after which a test stops running: odp-fsdax\/fsdax-ext4 stop running \(SKIP\)$/m,
  );
  t.notMatch(renderMail(NIGHT, NIGHT.series[1]), /prefix/);
  t.match(mail, /Kernel warnings:\n  ib-reg-refusal\/fsdax-ext4: WARNING in dax_disassociate_entry \(dmesg\)/);
  t.match(
    mail,
    /Known failures \(not blamed on this series\):\n  ib-reg-refusal\/fsdax-xfs: synthetic: a known failure/,
  );
});

t.test('JUnit, KCIDB, HTML: shape', async (t) => {
  const x = junitXml(NIGHT);
  t.match(
    x,
    /<testsuite name="mm\/gup, dax: long-term pins of fs-DAX v2" tests="2" failures="1" errors="0" skipped="1"/,
  );
  t.match(
    x,
    /<failure message="registered: expected refused" type="REGRESSION">WARNING in dax_disassociate_entry<\/failure>/,
  );
  const k = kcidb(NIGHT);
  t.equal(k.checkouts.length, 3);
  t.equal(k.tests.length, 6);
  t.equal(k.issues.length, 2, 'the warning, and the known bug');
  t.equal(k.incidents.length, 2);
  const knownTest = k.tests.find(
    (x) => (x as { path: string }).path === 'ib-reg-refusal.fsdax-xfs' && /aaaa/.test((x as { id: string }).id),
  ) as { id: string; status: string };
  t.equal(knownTest.status, 'FAIL', 'KNOWN is a failed test in KCIDB ...');
  const incident = k.incidents.find((i) => (i as { test_id: string }).test_id === knownTest.id) as { issue_id: string };
  t.match(
    k.issues.find((i) => (i as { id: string }).id === incident.issue_id),
    {
      report_subject: 'synthetic: a known failure for the report tests',
      report_url: 'https://lore.kernel.org/linux-mm/',
    },
    '... linked to an issue carrying the cause and the reference',
  );
  t.ok(
    [...k.checkouts, ...k.builds, ...k.tests, ...k.issues, ...k.incidents].every((o) =>
      /^orchestrate:/.test((o as { id: string }).id),
    ),
    'ids prefixed by the origin',
  );
  const html = htmlReport([NIGHT, { ...NIGHT, night: '2026-11-24', series: [] }]);
  t.match(html, /<h2>dax-rdma — 2026-11-25<\/h2>/);
  t.equal((html.match(/<svg /g) ?? []).length, 3, 'durations, boot time and warning plots');
  t.match(
    svgPlot('p', ['a', 'b'], [{ name: 'n', values: [1, 2] }]),
    /<polyline [^>]*points="30\.0,100\.0 450\.0,40\.0"/,
  );
  t.match(
    svgPlot('p', ['a', 'b', 'c'], [{ name: 'n', values: [1, NaN, 2] }]),
    /points="30\.0,100\.0 450\.0,40\.0"/,
    'a night with nothing measured is a gap',
  );
});
