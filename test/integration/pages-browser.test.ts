// The HTML pages in a real browser (Debian's chromium, headless, driven by playwright-core): the
// nightly page and a matrix page, written by `orchestrate report` from made-up run directories
// (no guest booted), opened over file://; a cell clicked opens its evidence, and its log link loads
// the log. Screenshots go to the scratch directory. No network: Chromium's own is turned off.
import t, { type Test } from 'tap';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureHost, isRoot, NEEDS, present } from '../../orchestrator/adapters/host.js';
import { runCli } from '../cli.js';
import { NIGHT } from '../night.js';
import { storeNight } from '../night-db.js';
import { BASE_RUN, consoleText, MATRIX_RUNS, matrixOf, SERIES_RUN, writeRun } from '../runs.js';
import { tempDir } from '../temp.js';

const scratch = tempDir('orchestrate-pages-');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser cannot be had, or nothing when it is there (installed with apt when root). */
async function noBrowser(): Promise<string | false> {
  if (present(NEEDS.chromium)) return false;
  if (!isRoot()) return 'needs /usr/bin/chromium (Debian package chromium; orchestrate setup installs it as root)';
  try {
    await ensureHost([NEEDS.chromium]);
    return false;
  } catch (err) {
    return `chromium could not be installed: ${(err as Error).message}`;
  }
}

async function nightlyPages(): Promise<string> {
  const runs = join(scratch, 'results');
  const base = writeRun(join(runs, 'base'), BASE_RUN);
  const series = writeRun(join(runs, 'aaaa'), SERIES_RUN);
  const night = {
    ...NIGHT,
    base: NIGHT.base.map((c) => ({ ...c, runDir: base })),
    series: NIGHT.series.map((s, i) => ({
      ...s,
      cases: s.cases.map((c) => ({ ...c, runDir: i === 0 ? series : null })),
    })),
  };
  storeNight(join(scratch, 'nightly.db'), night).close();
  const out = join(scratch, 'reports');
  const r = await runCli(['report', '--db', join(scratch, 'nightly.db'), '--out', out]);
  if (r.code !== 0) throw new Error(`orchestrate report: ${r.stderr}`);
  return join(out, 'index.html');
}

async function matrixPage(): Promise<string> {
  const dir = join(scratch, 'matrix-20261125-010000');
  const matrix = matrixOf();
  for (const [k, r] of MATRIX_RUNS.entries()) writeRun(join(dir, matrix.kernels[k].dir), r.result);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
  const r = await runCli(['report', '--matrix', dir]);
  if (r.code !== 0) throw new Error(`orchestrate report --matrix: ${r.stderr}`);
  return join(dir, 'index.html');
}

/** Clicks the cell whose link reads WORD; the evidence it opens. */
async function openCell(t: Test, page: Page, word: RegExp) {
  const cell = page.locator('td a').filter({ hasText: word }).first();
  const id = (await cell.getAttribute('href'))!.slice(1);
  const evidence = page.locator(`[id="${id}"]`);
  t.notOk(await evidence.isVisible(), 'folded before the click');
  await cell.click();
  t.ok(await evidence.isVisible(), 'open after it');
  t.equal(new URL(page.url()).hash, `#${id}`);
  return evidence;
}

const skip = await noBrowser();
const profile = tempDir('orchestrate-chromium-');
let context: BrowserContext | undefined;

t.before(async () => {
  if (skip) return;
  context = await chromium.launchPersistentContext(profile, {
    executablePath: NEEDS.chromium.probe,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
});
t.teardown(async () => {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
});

t.test('the nightly page: a cell opens its evidence, its console.log link loads the log', { skip }, async (t) => {
  const page = await context!.newPage();
  await page.goto(pathToFileURL(await nightlyPages()).href);
  t.equal(await page.locator('svg').count(), 3, 'the plots');
  const evidence = await openCell(t, page, /^REGRESSION/);
  const text = await evidence.innerText();
  t.match(text, /registered: expected refused/, 'the reason');
  t.match(text, /registered\s+false\s+true/, 'expected beside observed');
  t.match(text, /WARNING in dax_disassociate_entry/, 'the warning title');
  await page.screenshot({ path: join(scratch, 'nightly.png'), fullPage: true });
  await evidence.getByRole('link', { name: 'console.log' }).click();
  await page.waitForURL(/\/results\/aaaa\/console\.log$/);
  t.equal(await page.locator('pre').textContent(), consoleText(SERIES_RUN), "the run's console log, as written");
  await page.goBack();
  await page.getByRole('link', { name: /^mm\/gup, dax: long-term pins of fs-DAX v2$/ }).click();
  await page.getByRole('link', { name: 'aaaa.txt' }).click();
  t.match(await page.locator('body').innerText(), /^Subject: Re: \[PATCH v2\] mm\/gup, dax/, "the series' mail");
  t.comment(`screenshot: ${join(scratch, 'nightly.png')}`);
});

t.test(
  "the matrix page: a cell opens that kernel's evidence, its dmesg.txt link loads that kernel's log",
  { skip },
  async (t) => {
    const page = await context!.newPage();
    await page.goto(pathToFileURL(await matrixPage()).href);
    t.match(
      await page.locator('table').first().innerText(),
      /6\.12\.117 debian\s+6\.12\.117-amd64/,
      "a kernel's header",
    );
    const evidence = await openCell(t, page, /^FAIL/);
    const text = await evidence.innerText();
    t.match(text, /registered: expected false, observed true/, 'the reason');
    t.match(text, /errno\s+95 \(EOPNOTSUPP\)\s+null/, 'expected beside observed');
    await page.screenshot({ path: join(scratch, 'matrix.png'), fullPage: true });
    await evidence.getByRole('link', { name: 'dmesg.txt' }).click();
    await page.waitForURL(/debian-6\.12\.117-1\/dmesg\.txt$/);
    t.match(await page.locator('body').innerText(), /WARNING in dax_disassociate_entry/);
    t.comment(`screenshot: ${join(scratch, 'matrix.png')}`);
  },
);
