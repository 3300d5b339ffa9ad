// A kernel matrix in one command, on Debian's two lines: 6.1 and 6.12 boot one after the other,
// the table has a cell per case and kernel, and the lines differ where their source says so.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Matrix } from '../../orchestrator/core/matrix.js';
import { fixturesDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-matrix-');
const json = join(out, 'matrix.json');
const tests = ['ib-reg-refusal', 'dio-vs-truncate', 'longterm-pin-fsdax', 'rdma-loopback'].flatMap((s) => [
  '--test',
  s,
]);
const run = await runCli([
  'run',
  '--kernel',
  'debian:6.1',
  '--kernel',
  'debian:6.12',
  ...tests,
  '--results',
  out,
  '--json',
  json,
]);
const m = JSON.parse(readFileSync(json, 'utf8')) as Matrix;
const cell = (name: string, k: number) => m.cells[m.cases.indexOf(name)][k]!;

t.test('one table, no unexpected cell, exit 0', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr.slice(-2000));
  t.same(
    m.kernels.map((k) => [k.spec, k.source, k.version.split('.').slice(0, 2).join('.')]),
    [
      ['debian:6.1', 'debian', '6.1'],
      ['debian:6.12', 'debian', '6.12'],
    ],
  );
  t.equal(m.cases.length, 17);
  t.equal(m.passed, true);
  t.match(run.stdout, /^case\s+6\.1\.\d+ debian\s+6\.12\.\d+ debian$/m);
  t.match(run.stdout, /^17 cases × 2 kernels: no unexpected cell$/m);
});

t.test('where the lines differ, the cells say so with the observed values', async (t) => {
  for (const c of ['ext4-truncate', 'ext4-punch', 'xfs-truncate', 'xfs-punch']) {
    t.equal(cell(`dio-vs-truncate/${c}`, 0).verdict, 'KNOWN', `6.1 ${c}: the lost wakeup`);
    t.equal(cell(`dio-vs-truncate/${c}`, 1).verdict, 'PASS', `6.12 ${c}: woken by the page release`);
    t.same(cell(`dio-vs-truncate/${c}`, 1).differs, ['truncate_woke_by_itself=true']);
  }
  t.match(
    cell('ib-reg-refusal/pagecache', 1),
    { verdict: 'PASS', differs: ['errno=14', 'registered=false'] },
    '6.12 refuses page-cache MRs (writable_file_mapping_allowed())',
  );
  t.match(cell('ib-reg-refusal/pagecache', 0), { verdict: 'PASS', differs: ['errno=null', 'registered=true'] });
  t.equal(cell('rdma-loopback/pagecache-truncate', 1).verdict, 'PASS');
});

t.test('matrix.json, TAP (a subtest per kernel) and JUnit (a testsuite per kernel) next to the runs', async (t) => {
  const dir = /results: (\S+)/.exec(run.stderr)![1];
  for (const f of ['matrix.json', 'matrix.tap', 'matrix.junit.xml']) t.ok(existsSync(join(dir, f)), f);
  for (const k of m.kernels) t.ok(existsSync(join(dir, k.dir, 'results.json')), `${k.spec}: its own run directory`);
  const tap = readFileSync(join(dir, 'matrix.tap'), 'utf8');
  t.match(tap, /^# Subtest: 6\.1\.\d+ debian$/m);
  t.match(tap, /^    not ok \d+ - dio-vs-truncate\/ext4-truncate # TODO __bio_release_pages\(\)/m);
  t.match(tap, /^ok 2 - 6\.12\.\d+ debian$/m);
  const xsd = spawnSync(
    'xmllint',
    ['--noout', '--schema', join(fixturesDir, 'junit', 'junit.xsd'), join(dir, 'matrix.junit.xml')],
    { encoding: 'utf8' },
  );
  t.equal(xsd.status, 0, xsd.stderr);
  t.match(
    readFileSync(join(dir, 'matrix.junit.xml'), 'utf8'),
    /<testsuite name="6\.12\.\d+ debian" tests="17" failures="0" errors="0" skipped="0"/,
  );
  const html = await runCli(['report', '--matrix', dir]);
  t.equal(html.code, 0, html.stderr);
  t.match(readFileSync(join(dir, 'index.html'), 'utf8'), /dio-vs-truncate\/ext4-truncate/);
});
