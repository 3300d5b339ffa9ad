#!/usr/bin/env node
// npm test / npm run test:slow: compile, run the tap suites, end with "N passed, N failed, N skipped".
// Unit tests and the real-QEMU integration tests by default; --slow adds kernel builds and soaks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const slow = process.argv.includes('--slow');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function summary(pass, fail, skip) {
  console.log(`${pass} passed, ${fail} failed, ${skip} skipped`);
}

// The formatter (.prettierrc.json): a file it would change is one failure, named; the tests still run.
const FORMATTED = ['orchestrator/**/*.ts', 'test/**/*.ts', 'scripts/*.mjs'];
const format = spawnSync('npx', ['prettier', '--list-different', ...FORMATTED], { encoding: 'utf8' });
const unformatted =
  format.status === 0 ? [] : (format.stdout.trim() || format.stderr.trim() || 'prettier failed').split('\n');
if (unformatted.length) console.log(`not formatted (npm run format): ${unformatted.join(', ')}`);

const tsc = spawnSync('npx', ['tsc', '-p', '.'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('TypeScript compilation failed');
  summary(0, 1, 0);
  process.exit(1);
}

const tiers = slow ? ['slow'] : ['unit', 'integration'];
const files = only.length
  ? only
  : tiers.flatMap((tier) => {
      const dir = join('dist', 'test', tier);
      return existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.test.js'))
            .sort()
            .map((f) => join(dir, f))
        : [];
    });

if (!files.length) {
  console.log(`no ${tiers.join(' or ')} tests yet`);
  summary(0, 0, 0);
  process.exit(0);
}

const tap = spawn(
  'npx',
  [
    'tap',
    '--disable-coverage',
    '--allow-incomplete-coverage',
    '--reporter=tap',
    '--jobs=1',
    `--timeout=${slow ? 7200 : 1800}`,
    ...files,
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
let out = '';
let block = [];
tap.stdout.on('data', (chunk) => {
  out += chunk;
  const lines = out.split('\n');
  out = lines.pop();
  for (const line of lines) show(line);
});

// Top-level lines as they come; a failing file's whole block once it ends.
function show(line) {
  if (/^\s/.test(line) || line === '') {
    block.push(line);
    return;
  }
  if (/^not ok /.test(line)) console.log(block.join('\n'));
  block = [];
  console.log(line);
  const m = /^# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?(?:, todo: \d+)?(?:, skip: (\d+))?/.exec(line);
  if (m) counts = { pass: +(m[2] ?? 0), fail: +(m[3] ?? 0), skip: +(m[4] ?? 0) };
}

let counts;
tap.on('close', (code) => {
  if (out) show(out);
  if (!counts) counts = { pass: 0, fail: 1, skip: 0 };
  if (code !== 0 && counts.fail === 0) counts.fail = 1;
  if (unformatted.length) counts.fail += 1;
  summary(counts.pass, counts.fail, counts.skip);
  process.exit(code === 0 && !unformatted.length ? 0 : 1);
});
