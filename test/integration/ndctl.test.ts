// ndctl's tests through orchestrate on Debian 6.1 (no nfit_test there): the destructive tests that
// run on QEMU's NVDIMMs (bus ACPI.NFIT) and on legacy pmem from memmap= (bus e820), and an
// nfit_test test that SKIPs with ndctl's reason. The whole suite on both lines, and on a build
// with nfit_test, is in test/slow/storage-suites.test.ts.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { withNdctl } from '../third-party.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-ndctl-');
const json = join(out, 'results.json');
const TESTS = ['dax/dm.sh', 'dax/dax-dev', 'dax/revoke-devmem', 'ndctl/create.sh'];
const run = await runCli(
  [
    'run',
    '--kernel',
    'debian:6.1',
    ...TESTS.flatMap((c) => ['--test', `ndctl/${c}`]),
    '--results',
    out,
    '--json',
    json,
  ],
  withNdctl(),
);
const r = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as RunResult) : undefined;
const verdict = (name: string) => r?.tests.find((c) => c.name === `ndctl/${name}`);

t.test('the destructive tests on QEMU NVDIMMs and e820 pmem pass; exit 0', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr.slice(-2000));
  t.same(r?.tests.map((c) => c.name).sort(), TESTS.map((c) => `ndctl/${c}`).sort(), 'one verdict per test');
  for (const c of ['dax/dm.sh', 'dax/dax-dev', 'dax/revoke-devmem']) t.equal(verdict(c)?.verdict, 'PASS', c);
});

t.test("an nfit_test test on a kernel without it: SKIP with ndctl's reason", async (t) => {
  t.equal(verdict('ndctl/create.sh')?.verdict, 'SKIP');
  t.match(verdict('ndctl/create.sh')?.reason, /Module nfit_test not found/);
  t.match(r?.run.sources?.ndctl.commit, /^92d5203077553bfc9f7bf1c219563db0fc28e660/, 'ndctl v81, from its archive');
});
