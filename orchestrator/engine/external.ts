// Running an external suite on a booted guest: each of its runs under `marks` (a pty, so any
// program line-buffers; each output line marked in the kernel log), its output read in the
// suite's format, one verdict per reported case with the kernel lines of its own window.
import { basename } from 'node:path';
import { fatal, parseConsole } from '../core/console.js';
import { externalRuleFor, SUITES_OWN_RULE, type ExpectationFile } from '../core/expectations.js';
import { caseWindows, marksKept, openCase, parseOutput, stoppedEarly, type ExternalResult } from '../core/external.js';
import type { ExecResult } from '../adapters/ssh.js';
import { matchesAny } from '../core/glob.js';
import { recordsFor, type KnownRecord } from '../core/known.js';
import { unrunResults, type TestResult, type WarningRef } from '../core/results.js';
import { judge } from '../core/verdict.js';
import { workload, type ExternalRun, type ExternalSuite, type GuestCommand, type SetupFacts } from '../suites/suite.js';
import type { Gate } from '../core/needs.js';
import { kernelLines, type Guest } from './guest.js';
import { gated } from './gate.js';

export interface ExternalContext {
  session: Guest;
  suite: ExternalSuite;
  /** Selected case names or globs (without the suite); undefined: all. */
  patterns?: string[];
  expectations: ExpectationFile;
  known: KnownRecord[];
  version: string;
  gate: Gate;
  /** Keeps a run's whole output with the run's results (FILE, TEXT). */
  save: (file: string, text: string) => void;
  /** Keeps a run's collected files (a .tar.gz) in its results as DIR; their paths there. */
  keep: (dir: string, tgz: Buffer) => Promise<string[]>;
  /** Told the name of each run as it starts (a lost guest's CRASH is named by it). */
  running: (name: string) => void;
}

const tail = (text: string) => text.trim().split('\n').filter(Boolean).slice(-2).join(' | ');

async function steps(session: Guest, commands: GuestCommand[] = []): Promise<string | undefined> {
  for (const c of commands) {
    const r = await session.exec(c.argv, c.timeoutSeconds);
    if (r.code !== 0) return `${basename(c.argv[0])} exited ${r.code}: ${tail(r.stderr || r.stdout)}`;
  }
  return undefined;
}

function toRef(titles: ReturnType<typeof parseConsole>): WarningRef[] {
  return titles.map((w) => ({ title: w.title, kind: w.kind, source: 'dmesg' }));
}

/** One reported case as a result: the suite's own rule (or our override), known records, its window's reports. */
function judged(ctx: ExternalContext, name: string, x: ExternalResult, window: string, seconds: number): TestResult {
  const short = name.slice(ctx.suite.name.length + 1);
  const rule = externalRuleFor(ctx.expectations, short, ctx.version);
  const reports = parseConsole(window);
  const crash = reports.find(fatal);
  const observed = { result: x.result, ...(x.message ? { message: x.message } : {}) };
  const outcome = crash
    ? { crash: crash.title, observed }
    : x.result === 'skip'
      ? { skip: x.message || 'skipped', observed }
      : { observed };
  const judgement = judge(
    rule,
    outcome,
    reports.map((w) => w.title),
    recordsFor(ctx.known, name, ctx.version),
  );
  // The suite's own words say what went wrong (once: a skip's message is in the reason already).
  const said = judgement.verdict === 'FAIL' && x.message && !judgement.reason.includes(x.message);
  const verdict = said ? { ...judgement, reason: `${judgement.reason}: ${x.message}` } : judgement;
  const overridden = rule.why !== SUITES_OWN_RULE.why && verdict.verdict === 'PASS';
  return {
    name,
    ...verdict,
    expected: rule.expect ?? null,
    observed,
    warnings: toRef(reports),
    evidence: [],
    seconds,
    ...noteOf(verdict.note, overridden ? `our expectation overrides the suite's rule: ${rule.why}` : undefined),
  };
}

/** Both notes, when a known bug did not show and our override decided. */
function noteOf(...notes: (string | undefined)[]): { note?: string } {
  const all = notes.filter(Boolean);
  return all.length ? { note: all.join('; ') } : {};
}

interface RunOutcome {
  results: TestResult[];
  /** Kernel reports after the run's last case. */
  outside: WarningRef[];
}

/** Is case NAME (suite/…) among the selected? */
function selects(ctx: Pick<ExternalContext, 'suite' | 'patterns'>, name: string): boolean {
  const { suite, patterns } = ctx;
  const short = name.slice(suite.name.length + 1);
  return !patterns || patterns.some((p) => (suite.matches ? suite.matches(short, p) : matchesAny(short, [p])));
}

/** Could a case of RUN match one of the patterns? Its prefix and a pattern's literal head must agree. */
function selectedRun(run: ExternalRun, patterns: string[] | undefined): boolean {
  if (!patterns) return true;
  const prefix = run.prefix ? `${run.prefix}/` : '';
  return patterns.some((p) => {
    const head = p.split('*')[0];
    return prefix.startsWith(head) || head.startsWith(prefix) || matchesAny(`${prefix}${run.name}`, [p]);
  });
}

/** What went wrong besides the cases: a timeout, an early stop, lost marks, no case at all. */
function runErrors(
  ctx: ExternalContext,
  run: ExternalRun,
  out: ExecResult,
  lines: string[],
  reported: ExternalResult[],
  dmesg: string,
) {
  const { suite } = ctx;
  const { prefix, whole } = runNames(suite, run);
  const format = run.format ?? suite.format;
  const limit = run.command.timeoutSeconds ?? suite.suiteSeconds;
  if (out.timedOut || out.code === 124) {
    const open = openCase(format, lines);
    const name = open ? `${prefix}${suite.caseName?.(open) ?? open}` : `${whole}:timeout`;
    return unrunResults(
      [name],
      'ERROR',
      `timed out: no output for ${suite.caseSeconds} s, or over ${limit} s in all, after: ${tail(out.stdout)}`,
    );
  }
  if (!reported.length)
    return unrunResults([whole], 'ERROR', `reported no case (exit ${out.code}): ${tail(out.stdout || out.stderr)}`);
  const early = format === 'status' ? undefined : stoppedEarly(format, lines, reported.length, out.code);
  if (early) return unrunResults([`${whole}:stopped`], 'ERROR', `the program stopped early: ${early}`);
  const marks = marksKept(dmesg);
  const written = lines.length - (lines.at(-1) === '' ? 1 : 0);
  if (marks < written)
    return unrunResults(
      [`${whole}:marks`],
      'ERROR',
      `the kernel log kept ${marks} of ${written} marks: the cases' dmesg windows cannot be told apart`,
    );
  return [];
}

/** A run's case-name prefix (suite/prefix/) and the name of the run as a whole. */
function runNames(suite: ExternalSuite, run: ExternalRun): { prefix: string; whole: string } {
  const prefix = `${suite.name}/${run.prefix ? `${run.prefix}/` : ''}`;
  return { prefix, whole: `${prefix}${run.name}` };
}

/** The program under `marks`, its output kept: what it printed, and what the kernel said meanwhile. */
async function execute(ctx: ExternalContext, run: ExternalRun) {
  const { session, suite } = ctx;
  const started = performance.now();
  const out = await session.exec(
    [workload('marks'), String(suite.caseSeconds), '--', ...run.command.argv],
    run.command.timeoutSeconds ?? suite.suiteSeconds,
  );
  const seconds = (performance.now() - started) / 1000;
  const dmesg = await kernelLines(session);
  const file = [suite.name, run.prefix, run.name]
    .filter(Boolean)
    .join('-')
    .replace(/[^\w.-]+/g, '_');
  ctx.save(`${file}.out`, out.stdout);
  const kept = run.collect ? await collect(ctx, run.collect, file) : { files: [] };
  return { out, seconds, dmesg, lines: out.stdout.split('\n'), ...kept };
}

/** The run's directory of per-case files, fetched from the guest and kept as DIR in the results. */
async function collect(ctx: ExternalContext, from: string, dir: string): Promise<{ files: string[]; error?: string }> {
  const r = await ctx.session.exec(['sh', '-c', 'tar -C "$1" -czf - . | base64 -w0', 'sh', from], 300);
  if (r.code !== 0) return { files: [], error: `could not fetch ${from}: ${tail(r.stderr)}` };
  return { files: await ctx.keep(dir, Buffer.from(r.stdout, 'base64')) };
}

/** The kept files of a reported case: DIR/NAME.* (fstests: generic/413.out.bad, .full, .dmesg). */
const filesOf = (suite: ExternalSuite, files: string[], reported: string) =>
  suite.filesOf ? suite.filesOf(reported, files) : files.filter((f) => f.includes(`/${reported}.`));

/** Each case the run reported, judged in its dmesg window; the run's own errors; the kernel lines after the last case. */
function judgeRun(ctx: ExternalContext, run: ExternalRun, ran: Awaited<ReturnType<typeof execute>>) {
  const { suite } = ctx;
  const { prefix, whole } = runNames(suite, run);
  const { out, seconds, dmesg, lines } = ran;
  const reported = parseOutput(run.format ?? suite.format, lines, {
    byRun: run.byRun,
    name: run.name,
    code: out.code,
  }).map((x) => ({
    ...x,
    name: `${prefix}${suite.caseName?.(x.name) ?? x.name}`,
    files: filesOf(suite, ran.files, x.name),
  }));
  const cases = caseWindows(
    dmesg.log,
    reported.map((x) => x.line),
  );
  const resultOf = (x: ExternalResult & { files: string[] }, i: number) => ({
    ...(dmesg.error
      ? unread(x, dmesg.error)
      : judged(ctx, x.name, x, cases.windows[i], cases.seconds[i] ?? seconds / reported.length)),
    ...(x.files.length ? { files: x.files } : {}),
  });
  // The run's own errors are kept whatever was selected: they say why selected cases are missing.
  const own = !dmesg.error
    ? runErrors(ctx, run, out, lines, reported, dmesg.log)
    : reported.length
      ? []
      : unrunResults([whole], 'ERROR', `the kernel log could not be read after the run: ${dmesg.error}`);
  const selected = reported.map(resultOf).filter((r) => selects(ctx, r.name));
  const lost = ran.error ? unrunResults([`${whole}:collect`], 'ERROR', ran.error) : [];
  return { results: [...selected, ...own, ...lost], after: cases.after };
}

async function oneRun(ctx: ExternalContext, run: ExternalRun): Promise<RunOutcome> {
  const { session, suite } = ctx;
  const { whole } = runNames(suite, run);
  const unmet = await gated(ctx.gate, run.needs ?? [], [whole]);
  if (unmet) return { results: unmet, outside: [] };
  ctx.running(whole);
  const cleanup = async () => {
    const failed = await steps(session, run.cleanup);
    return failed ? unrunResults([`${whole}:cleanup`], 'ERROR', `cleanup: ${failed}`) : [];
  };
  const setupFailed = await steps(session, run.setup);
  if (setupFailed)
    return { results: [...unrunResults([whole], 'ERROR', `setup: ${setupFailed}`), ...(await cleanup())], outside: [] };
  // What the kernel said during setup belongs to no case.
  const before = await kernelLines(session);
  if (before.error) {
    const why = `the kernel log before the run: ${before.error}`;
    return { results: [...unrunResults([whole], 'ERROR', why), ...(await cleanup())], outside: [] };
  }
  const { results, after } = judgeRun(ctx, run, await execute(ctx, run));
  results.push(...(await cleanup()));
  const afterCleanup = await kernelLines(session);
  if (afterCleanup.error)
    results.push(...unrunResults([`${whole}:cleanup`], 'ERROR', `the kernel log after cleanup: ${afterCleanup.error}`));
  const reports = [before.log, after, afterCleanup.log].flatMap((text) => toRef(parseConsole(text)));
  return { results, outside: reports };
}

/** A case whose kernel lines could not be read: whatever the suite said, nobody saw what the kernel did. */
function unread(x: ExternalResult, error: string): TestResult {
  const said = `${x.result}${x.message ? `: ${x.message}` : ''}`;
  return unrunResults(
    [x.name],
    'ERROR',
    `the kernel log could not be read after the run (${error}); the suite said ${said}`,
  )[0];
}

/** Every selected run of the suite, one after another, each run's results into OUT as it ends. */
export async function runExternal(ctx: ExternalContext, facts: SetupFacts, out: RunOutcome): Promise<void> {
  const from = out.results.length;
  for (const run of ctx.suite.runs(facts, ctx.patterns).filter((r) => selectedRun(r, ctx.patterns))) {
    const r = await oneRun(ctx, run);
    out.results.push(...r.results);
    out.outside.push(...r.outside);
  }
  // A pattern that matched nothing is said, not passed over.
  const names = out.results.slice(from).map((r) => r.name);
  const unmatched = (ctx.patterns ?? []).filter((p) => !names.some((n) => selects({ ...ctx, patterns: [p] }, n)));
  out.results.push(
    ...unrunResults(
      unmatched.map((p) => `${ctx.suite.name}/${p}`),
      'ERROR',
      'no case of the suite matches this',
    ),
  );
}
