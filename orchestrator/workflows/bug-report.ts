// orchestrate report --bug RUN[/CASE]: a report directory from one case of a run (mail.txt,
// report.json, the kernel's config, console and dmesg, the QEMU command line, and repro/ that
// runs without orchestrate). Reads the run, the kernel store and configs/; runs the kernel tree's
// get_maintainer.pl and decode_stacktrace.sh; every file is scrubbed of the host and written whole.
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { renderBugReport } from '../core/bug-mail.js';
import {
  kernelFacts,
  pickCase,
  splitRunTarget,
  type BisectFacts,
  type BugInputs,
  type KernelFacts,
} from '../core/bug-report.js';
import { expectationFor, externalRuleFor, type ExpectationRule } from '../core/expectations.js';
import type { KnownRecord } from '../core/known.js';
import { filesNamed, functionsNamed, parseMaintainers } from '../core/maintainers.js';
import { leaks, scrub, type HostFacts } from '../core/privacy.js';
import { BOOT_CONSOLE, type RunResult, type TestResult } from '../core/results.js';
import { loadExpectations, loadKnown } from '../adapters/config.js';
import { decodeStacktrace, definingFiles, getMaintainers } from '../adapters/kernel-scripts.js';
import { readRecord, storeDir } from '../adapters/kernel-store.js';
import { writeAtomic } from '../adapters/store.js';
import { cacheDir, kernelStoreDir, repoRoot } from '../paths.js';
import { SUITES } from '../suites/index.js';
import { isExternal } from '../suites/suite.js';
import { reportTexts } from '../core/bug-mail.js';
import { buildReproducer, type ReproFiles } from './reproducer.js';

export interface BugReportOptions {
  /** RUN[/CASE]: a run directory (or a run id under resultsDir), and optionally a case. */
  target: string;
  resultsDir: string;
  out?: string;
  /** A kernel tree for get_maintainer.pl and decode_stacktrace.sh; false: none, not even one found. */
  tree?: string | false;
  /** A bisect's answer (orchestrate bisect --json). */
  bisect?: string;
  reportedBy?: string;
  log: (line: string) => void;
}

const isRunDir = (dir: string) => existsSync(join(dir, 'results.json'));

function readRun(o: BugReportOptions): { dir: string; result: RunResult; test: TestResult } {
  const found = splitRunTarget(o.target, isRunDir) ?? splitRunTarget(join(o.resultsDir, o.target), isRunDir);
  if (!found)
    throw new UsageError(`${o.target}: no run there (a directory with results.json, or a run id in ${o.resultsDir})`);
  let result: RunResult;
  try {
    result = JSON.parse(readFileSync(join(found.run, 'results.json'), 'utf8')) as RunResult;
  } catch (err) {
    throw new UsageError(`${join(found.run, 'results.json')}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (result?.format !== 'orchestrate-results/1') throw new UsageError(`${found.run}: not an orchestrate run`);
  const test = pickCase(result, found.caseName);
  if (typeof test === 'string') throw new UsageError(test);
  return { dir: resolve(found.run), result, test };
}

const readOr = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** The known-bug record a KNOWN case stands on (configs/known), or one made of what results.json kept. */
function knownRecord(test: TestResult, log: (line: string) => void): KnownRecord | undefined {
  const ref = test.known;
  if (!ref) return undefined;
  const full = loadKnown(undefined, log).find((r) => r.id === ref.id);
  return full ?? { ...ref, cases: [test.name], kernels: '*', deviates: {}, warnings: [], source: 'results.json' };
}

function ruleOf(test: TestResult, version: string): { rule?: ExpectationRule; source?: string; summary?: string } {
  const [suiteName, ...rest] = test.name.split('/');
  const caseName = rest.join('/');
  const suite = SUITES.find((s) => s.name === suiteName);
  if (!suite) return {};
  const file = loadExpectations(suite);
  const rule = isExternal(suite) ? externalRuleFor(file, caseName, version) : expectationFor(file, caseName, version);
  const summary = isExternal(suite) ? suite.summary : suite.cases.find((c) => c.name === caseName)?.summary;
  return { rule, source: `configs/expectations/${suite.name}.yaml`, summary };
}

/** The tree to ask: the one given, the build's own, or an imported linux-source tree of the Debian version. */
function treeOf(o: BugReportOptions, kernel: KernelFacts, record?: { build?: { tree?: string } }): string | undefined {
  if (o.tree === false) return undefined;
  if (o.tree) {
    if (!existsSync(join(o.tree, 'Makefile'))) throw new UsageError(`--tree ${o.tree}: not a kernel tree`);
    return resolve(o.tree);
  }
  const candidates = [
    record?.build?.tree,
    kernel.debian &&
      join(
        cacheDir(),
        'trees',
        `linux-source-${kernel.version.split('.').slice(0, 2).join('.')}-${kernel.debian.debVersion}`,
      ),
    kernel.build?.source && join(cacheDir(), 'trees', `${kernel.build.source.pkg}-${kernel.build.source.revision}`),
  ];
  return candidates.find((t): t is string => !!t && existsSync(join(t, 'scripts', 'get_maintainer.pl')));
}

async function causeFiles(tree: string | undefined, known?: KnownRecord, rule?: ExpectationRule): Promise<string[]> {
  const text = known ? `${known.cause} ${known.reference}` : (rule?.why ?? '');
  const named = filesNamed(text);
  const defined = tree ? await definingFiles(tree, functionsNamed(known?.cause ?? text).slice(0, 6)) : [];
  return [...new Set([...named, ...defined, ...(known?.files ?? [])])];
}

function readBisect(path?: string): BisectFacts | undefined {
  if (!path) return undefined;
  if (!existsSync(path)) throw new UsageError(`--bisect ${path}: no such file`);
  try {
    const b = JSON.parse(readFileSync(path, 'utf8')) as BisectFacts;
    if (!['regression', 'fix'].includes(b.mode) || !Array.isArray(b.steps)) throw new Error('no mode or steps');
    return b;
  } catch (err) {
    throw new UsageError(`--bisect ${path}: not orchestrate bisect --json output (${(err as Error).message})`);
  }
}

/** Everything of this host a report must not hold. */
export function hostFacts(extra: string[] = []): HostFacts {
  const user = userInfo().username;
  return {
    paths: [
      homedir(),
      repoRoot,
      cacheDir(),
      kernelStoreDir(),
      storeDir(),
      `${tmpdir()}/orchestrate-`,
      process.cwd(),
      ...extra,
    ],
    words: [user, hostname()],
  };
}

async function decoded(tree: string | undefined, inputs: Omit<BugInputs, 'decoded'>, vmlinux?: string) {
  const debug = /^CONFIG_DEBUG_INFO_(DWARF|BTF)[A-Z0-9_]*=y$/m.test(inputs.config ?? '');
  if (!tree || !vmlinux || !debug || !inputs.test.warnings.length) return undefined;
  const texts = reportTexts(inputs as BugInputs);
  return texts.length ? decodeStacktrace(tree, vmlinux, texts.map((t) => t.text).join('\n')) : undefined;
}

interface Gathered {
  inputs: BugInputs;
  repro: ReproFiles;
  tree?: string;
}

/** The stored kernel's record, its facts, its config and its vmlinux (when the store still has it). */
function storedKernel(run: RunResult['run'], log: (line: string) => void) {
  const record = readRecord(run.kernel.id);
  if (!record) log(`kernel ${run.kernel.id} is not in the store (${storeDir()}): no config attached, no stack decoded`);
  const dir = record && join(storeDir(), record.id);
  return {
    record,
    kernel: kernelFacts(run.kernel, record),
    config: dir && record.files.config ? readOr(join(dir, record.files.config)) : undefined,
    vmlinux: dir && record.files.vmlinux ? join(dir, record.files.vmlinux) : undefined,
  };
}

function attachmentsOf(config: string | undefined, bootConsole: string | undefined, repro: ReproFiles): string[] {
  const names = repro.files.map(([name]) => name.replace(/\/.*/, '/'));
  const consoles = ['console.log', ...(bootConsole === undefined ? [] : [BOOT_CONSOLE])];
  return [...(config ? ['kernel.config'] : []), ...consoles, 'dmesg.txt', ...new Set(names)];
}

async function gather(o: BugReportOptions, dir: string, result: RunResult, test: TestResult): Promise<Gathered> {
  const bisect = readBisect(o.bisect);
  const { record, kernel, config, vmlinux } = storedKernel(result.run, o.log);
  const tree = treeOf(o, kernel, record);
  const known = knownRecord(test, o.log);
  const { rule, source, summary } = ruleOf(test, result.run.kernel.version);
  const files = await causeFiles(tree, known, rule);
  const maintainers = tree && files.length ? await getMaintainers(tree, files) : undefined;
  const repro = buildReproducer(result, test, kernel);
  const bootConsole = readOr(join(dir, BOOT_CONSOLE)) || undefined;
  const base = {
    result,
    test,
    console: readOr(join(dir, 'console.log')),
    ...(bootConsole === undefined ? {} : { bootConsole }),
    dmesg: readOr(join(dir, 'dmesg.txt')),
    kernel,
    config,
    known,
    rule,
    ruleSource: source,
    caseSummary: summary,
    recipients: maintainers ? parseMaintainers(maintainers) : undefined,
    causeFiles: files,
    bisect,
    reportedBy: o.reportedBy,
    reproducer: repro.shows ? { shows: repro.shows } : { none: repro.none ?? 'none made' },
    attachments: attachmentsOf(config, bootConsole, repro),
  };
  return { inputs: { ...base, decoded: await decoded(tree, base, vmlinux) }, repro, tree };
}

const slug = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '-');

/** Writes the report directory; its path, the mail's subject, and lines worth telling the user. */
export async function writeBugReport(o: BugReportOptions): Promise<{ dir: string; subject: string; notes: string[] }> {
  const { dir, result, test } = readRun(o);
  const g = await gather(o, dir, result, test);
  const out = resolve(o.out ?? join('reports', `bug-${result.run.id}-${slug(test.name)}`));
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out}: not a directory`);
  const report = renderBugReport(g.inputs);
  const host = hostFacts([dir, out, ...(g.tree ? [g.tree] : [])]);
  const files: [string, string][] = [
    ['mail.txt', report.mail],
    ['report.json', `${JSON.stringify(report.record, null, 2)}\n`],
    ...(g.inputs.config ? [['kernel.config', g.inputs.config] as [string, string]] : []),
    ['console.log', g.inputs.console],
    ...(g.inputs.bootConsole === undefined ? [] : [[BOOT_CONSOLE, g.inputs.bootConsole] as [string, string]]),
    ['dmesg.txt', g.inputs.dmesg],
    ...g.repro.files,
  ];
  for (const [name, text] of files) writeClean(out, name, text, host);
  for (const name of g.repro.executables) chmodSync(join(out, name), 0o755);
  return { dir: out, subject: report.subject, notes: notesOf(g) };
}

/** NAME in OUT with the host scrubbed out; a leak left after scrubbing stops the report. */
function writeClean(out: string, name: string, text: string, host: HostFacts): void {
  const clean = scrub(text, host);
  const left = leaks(clean, host);
  if (left.length) throw new Error(`${name} would hold ${left.join(', ')}: not written`);
  writeAtomic(join(out, name), clean);
}

function notesOf(g: Gathered): string[] {
  const i = g.inputs;
  return [
    ...(i.reportedBy ? [] : ['Reported-by is a placeholder: give --reported-by "Name <address>"']),
    ...(i.recipients ? [] : [`no recipients: no kernel tree with scripts/get_maintainer.pl (give --tree)`]),
    ...(i.known?.impact ? [] : ['Impact is not stated: write it into mail.txt before sending']),
    ...(g.repro.none ? [`no reproducer: ${g.repro.none}`] : []),
  ];
}
