// The container image's recipe (core/container) and its entrypoint, run with sh: apt's lists are
// refreshed when a day old and only then, a failed refresh is said and the run goes on.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONTAINER_ENV,
  containerPackages,
  importChanges,
  IMAGE_PROJECT_DIR,
  PROJECT_FILES,
} from '../../orchestrator/core/container.js';
import { KBUILD_NEEDS, REPRO_NEEDS } from '../../orchestrator/adapters/host.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { tempDir } from '../temp.js';

t.test('the image installs what repro and a kernel build ask the host for, once each', async (t) => {
  const host = [...REPRO_NEEDS, ...KBUILD_NEEDS].map((n) => n.pkg);
  const packages = containerPackages(host);
  t.ok(
    host.every((p) => packages.includes(p)),
    'every host package',
  );
  t.ok(packages.includes('tini'), 'tini, PID 1');
  t.equal(new Set(packages).size, packages.length, 'no package twice');
  t.same(packages, [...packages].sort());
});

t.test("the project's files the image takes exist, and its entrypoint is one of them", async (t) => {
  for (const file of PROJECT_FILES) t.ok(existsSync(join(repoRoot, file)), file);
  const entry = importChanges().find((c) => c.startsWith('ENTRYPOINT '))!;
  const argv = JSON.parse(entry.slice('ENTRYPOINT '.length)) as string[];
  t.same(argv.slice(0, 2), ['/usr/bin/tini', '--']);
  t.ok(argv[2].startsWith(`${IMAGE_PROJECT_DIR}/`));
  t.ok(existsSync(join(repoRoot, argv[2].slice(IMAGE_PROJECT_DIR.length + 1))), argv[2]);
  for (const [name, value] of Object.entries(CONTAINER_ENV))
    t.ok(importChanges().includes(`ENV ${name}=${value}`), `${name} on the volume`);
});

/** Runs container/entrypoint.sh with fake apt-get and orchestrate that log their argv. */
function entrypoint(o: { listsAgeHours: number; aptFails?: boolean }) {
  const dir = tempDir('orchestrate-entry-');
  const bin = join(dir, 'bin');
  const lists = join(dir, 'lists');
  mkdirSync(bin);
  mkdirSync(lists);
  const when = Date.now() / 1000 - o.listsAgeHours * 3600;
  utimesSync(lists, when, when);
  const log = join(dir, 'log');
  const fake = (name: string, rc: number) => {
    writeFileSync(join(bin, name), `#!/bin/sh\necho ${name} "$@" >> ${log}\nexit ${rc}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  fake('apt-get', o.aptFails ? 100 : 0);
  fake('orchestrate', 0);
  const r = spawnSync('/bin/sh', [join(repoRoot, 'container', 'entrypoint.sh'), 'repro', '--runs', '2'], {
    env: { PATH: `${bin}:/usr/bin:/bin`, ORCHESTRATE_APT_LISTS: lists },
    encoding: 'utf8',
  });
  const calls = spawnSync('cat', [log], { encoding: 'utf8' }).stdout.trim().split('\n');
  return { code: r.status, stderr: r.stderr, calls };
}

t.test(
  'the entrypoint refreshes package lists older than a day, then runs orchestrate with its arguments',
  async (t) => {
    const fresh = entrypoint({ listsAgeHours: 2 });
    t.same(fresh.calls, ['orchestrate repro --runs 2'], 'lists of today: no apt-get');
    const old = entrypoint({ listsAgeHours: 30 });
    t.same(old.calls, ['apt-get update -qq', 'orchestrate repro --runs 2']);
    const offline = entrypoint({ listsAgeHours: 30, aptFails: true });
    t.equal(offline.code, 0);
    t.match(offline.stderr, /apt-get update failed; using the image's package lists/);
    t.same(offline.calls.at(-1), 'orchestrate repro --runs 2', 'and runs anyway');
  },
);
