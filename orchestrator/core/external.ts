// The field's own test programs, read in their own formats: KTAP/TAP (kselftests, KUnit), Python
// unittest's -v lines (rdma-core), or the exit status alone. Pure: output lines in, one result per
// case out, each with the output line that reported it (where its dmesg window ends).

export type ExternalResultKind = 'pass' | 'fail' | 'error' | 'skip';

export interface ExternalResult {
  name: string;
  result: ExternalResultKind;
  message: string;
  /** Index of the output line that reported the result. */
  line: number;
}

export type OutputFormat = 'ktap' | 'unittest' | 'status' | 'fstests' | 'blktests' | 'meson';

/** A case name fit for --test and globs: lower case, runs of other characters as one '-'. */
export function caseSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const KTAP_RESULT = /^(not )?ok (\d+)\b\s*(.*?)\s*(?:#\s*(SKIP|XFAIL|XPASS|TODO|error)\b\s*(.*))?$/i;
const KTAP_RUN = /^#\s*\[RUN\]\s*(.+)$/;

/**
 * KTAP/TAP at the top level. A case is named by its description, or (`byRun`) by the last
 * "# [RUN] what" comment before it, for programs whose results all say "Should have worked".
 */
export function parseKtap(lines: string[], byRun = false): ExternalResult[] {
  const out: ExternalResult[] = [];
  let run: string | undefined;
  let notes: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    const started = KTAP_RUN.exec(line);
    if (started) {
      run = started[1].replace(/\s*\.\.\.\s*$/, '');
      notes = [];
      return;
    }
    const m = KTAP_RESULT.exec(line);
    if (!m) {
      if (line.startsWith('#')) notes.push(line.replace(/^#\s?/, ''));
      return;
    }
    const [, not, num, description, directive, text] = m;
    const kind = (directive ?? '').toUpperCase();
    const result: ExternalResultKind =
      kind === 'SKIP'
        ? 'skip'
        : kind === 'ERROR'
          ? 'error'
          : kind === 'XFAIL'
            ? 'pass'
            : kind === 'XPASS' || not
              ? 'fail'
              : 'pass';
    const name = caseSlug((byRun && run) || description || `test ${num}`);
    const message = [
      text,
      kind === 'XFAIL' ? `expected failure: ${description}` : '',
      result === 'pass' ? '' : description,
      ...(result === 'fail' || result === 'error' ? notes.slice(-3) : []),
    ]
      .filter(Boolean)
      .join('; ');
    out.push({ name, result, message, line: i });
    notes = [];
  });
  return out;
}

const UT_START = /^(test\w*|setUpClass|tearDownClass|setUpModule|tearDownModule) \(([\w.]+)\)/;
const UT_STATUS = /(?:^|\s\.\.\.\s?)(ok|FAIL|ERROR|expected failure|unexpected success|skipped (['"])(.*)\2)$/;
const UT_BLOCK = /^(ERROR|FAIL): (test\w*) \(([\w.]+)\)/;

function unittestKind(status: string): ExternalResultKind {
  if (status === 'ok' || status === 'expected failure') return 'pass';
  if (status.startsWith('skipped')) return 'skip';
  return status === 'ERROR' ? 'error' : 'fail';
}

/** The last line of each ERROR/FAIL block's traceback, by test id: what went wrong. */
function unittestReasons(lines: string[]): Map<string, string> {
  const reasons = new Map<string, string>();
  let current: string | undefined;
  let last = '';
  const close = () => {
    if (current) reasons.set(current, last);
  };
  for (const line of lines) {
    const block = UT_BLOCK.exec(line);
    if (block || /^={20,}$/.test(line) || (/^-{20,}$/.test(line) && !current)) {
      if (block) {
        close();
        current = block[3].endsWith(block[2]) ? block[3] : `${block[3]}.${block[2]}`;
        last = '';
      }
      continue;
    }
    if (/^Ran \d+ tests? in /.test(line)) break;
    if (current && line.trim() && !/^-{20,}$/.test(line)) last = line.trim();
  }
  close();
  return reasons;
}

/** Python unittest -v: "test_x (pkg.mod.Class.test_x) ... ok", the status maybe on a later line. */
export function parseUnittest(lines: string[]): ExternalResult[] {
  const out: ExternalResult[] = [];
  const reasons = unittestReasons(lines);
  let open: string | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (/^={20,}$/.test(line)) open = undefined;
    const started = UT_START.exec(line);
    if (started) open = started[2].endsWith(started[1]) ? started[2] : `${started[2]}.${started[1]}`;
    const status = open ? UT_STATUS.exec(line) : null;
    if (!open || !status) return;
    const result = unittestKind(status[1]);
    const message =
      result === 'skip'
        ? status[3]
        : result === 'pass'
          ? status[1] === 'ok'
            ? ''
            : status[1]
          : (reasons.get(open) ?? status[1]);
    out.push({ name: open, result, message, line: i });
    open = undefined;
  });
  return out;
}

/** A program judged by its exit status alone: 0 pass, 4 (kselftest) or 77 (automake) skip, else fail. */
export function statusResult(name: string, code: number | null, lines: string[]): ExternalResult {
  const result: ExternalResultKind = code === 0 ? 'pass' : code === 4 || code === 77 ? 'skip' : 'fail';
  const tail = lines
    .filter((l) => l.trim())
    .slice(-2)
    .join(' | ');
  return {
    name,
    result,
    message: result === 'pass' ? '' : `exit status ${code}${tail ? `: ${tail}` : ''}`,
    line: Math.max(0, lines.length - 1),
  };
}

/**
 * Why a run's results are not the whole story: a program a signal killed, a plan (KTAP "1..N",
 * unittest "Ran N tests") it fell short of, a "Bail out!" before the plan was met. kselftest's
 * ksft_exit_fail_msg() bails out after the last result too ("6 out of 30 tests failed"): nothing
 * is missing then, the failures are the cases'. Undefined when it ran to its end.
 */
export function stoppedEarly(
  format: OutputFormat,
  lines: string[],
  reported: number,
  code: number | null,
): string | undefined {
  if (code !== null && code > 128 && code !== 124) return `killed by signal ${code - 128} after ${reported} results`;
  if (format === 'ktap') {
    const plan = lines.map((l) => /^1\.\.(\d+)/.exec(l.trim())?.[1]).find(Boolean);
    const bail = lines.find((l) => /^Bail out!/.test(l.trim()));
    if (bail && (!plan || reported < Number(plan))) return `${bail.trim()} after ${reported} results`;
    if (plan && reported < Number(plan)) return `reported ${reported} of the ${plan} cases it planned (exit ${code})`;
  }
  if (format === 'fstests' && !lines.some((l) => /^(Passed all \d+ tests|Failed \d+ of \d+ tests|Not run:)/.test(l)))
    return `stopped before check's summary (exit ${code}), after ${reported} results`;
  if (format === 'meson' && !lines.some((l) => /^Ok:\s+\d+/.test(l.trim())))
    return `stopped before meson's summary (exit ${code}), after ${reported} results`;
  if (format === 'blktests') {
    const open = openCase(format, lines);
    if (open) return `stopped in ${open} (exit ${code}), after ${reported} results`;
  }
  if (format === 'unittest') {
    const ran = lines.map((l) => /^Ran (\d+) tests? in /.exec(l)?.[1]).find(Boolean);
    if (!ran) return `stopped before unittest's summary (exit ${code}), after ${reported} results`;
    if (reported < Number(ran)) return `ran ${ran} tests, reported ${reported} (exit ${code})`;
  }
  return undefined;
}

/** The case a run was in when it stopped: a unittest started without a status, or the last KTAP [RUN]. */
export function openCase(format: OutputFormat, lines: string[]): string | undefined {
  let open: string | undefined;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (format === 'unittest') {
      const started = UT_START.exec(line);
      if (started) open = started[2].endsWith(started[1]) ? started[2] : `${started[2]}.${started[1]}`;
      if (open && UT_STATUS.test(line)) open = undefined;
    } else if (format === 'fstests') {
      const test = FST_TEST.exec(line);
      if (test) open = test[2]?.trim() ? undefined : test[1];
    } else if (format === 'meson') {
      const test = MESON_LINE.exec(line);
      if (test) open = test[3] === 'RUNNING' ? `${test[1]}/${test[2]}` : undefined;
    } else if (format === 'blktests') {
      const test = BLK_LINE.exec(line);
      if (test) open = test[4] ? undefined : blktestsCase(test[1], test[2], test[3]);
    } else if (format === 'ktap') {
      const run = KTAP_RUN.exec(line);
      if (run) open = caseSlug(run[1].replace(/\s*\.\.\.\s*$/, ''));
      else if (KTAP_RESULT.test(line)) open = undefined;
    }
  }
  return open;
}

/** How many output lines the kernel log holds a mark for (marks number them from 1). */
export function marksKept(dmesg: string): number {
  return dmesg.split('\n').filter((l) => MARK.test(l)).length;
}

const FST_TEST = /^(\w[\w-]*\/\d+)(?:\s+(.*))?$/;
const FST_END = /^(Ran:|Not run:|Failures:|Passed all \d+ tests|Failed \d+ of \d+ tests|SECTION\s+--|={10,})/;

/** One test's lines (its name line and what check printed after it) as a result. */
function fstestsResult(name: string, block: string[], line: number): ExternalResult {
  const first = block[0].trim();
  const notRun = /\[not run\]\s*(.*)$/.exec(first);
  if (notRun) return { name, result: 'skip', message: notRun[1] || 'not run', line };
  if (/\[expunged\]/.test(first)) return { name, result: 'skip', message: "expunged by fstests' exclude list", line };
  const failed = /\[failed|- output mismatch|- no such test|no qualified output|\[dumped core\]|_check_/.test(
    block.join('\n'),
  );
  if (!failed && /\d+s$/.test(first)) return { name, result: 'pass', message: '', line };
  // The diff check prints (indented by four) is kept to its changed lines.
  const said = [first.replace(/^\d+s \.\.\.\s*/, ''), ...block.slice(1)]
    .filter((l) => !/^ {4}/.test(l) || /^ {4}[-+](?![-+]{2} )/.test(l))
    .map((l) => l.trim())
    .filter((l) => l && !/^\(Run '/.test(l))
    .slice(0, 8)
    .join(' | ');
  return { name, result: 'fail', message: said || 'check printed no result', line };
}

/**
 * fstests' check: each test's line is "NAME  Ns" (pass), "NAME  [not run] WHY", or a failure
 * ("[failed, exit status N]", "- output mismatch (see …)", "_check_dmesg: …") followed by the diff's
 * first lines; a result's output line is the last one of its test (its window ends after its checks).
 */
export function parseFstests(lines: string[]): ExternalResult[] {
  const out: ExternalResult[] = [];
  let open: { name: string; block: string[]; last: number } | undefined;
  // A name with nothing after it is a test that did not finish (openCase names it): no result.
  const close = () => {
    if (open && (open.block[0].trim() || open.block.length > 1))
      out.push(fstestsResult(open.name, open.block, open.last));
    open = undefined;
  };
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    const test = FST_TEST.exec(line);
    if (test) {
      close();
      open = { name: test[1], block: [test[2] ?? ''], last: i };
    } else if (FST_END.test(line)) close();
    else if (open && line) {
      open.block.push(line);
      open.last = i;
    }
  });
  close();
  return out;
}

// blktests' check, its stdout not a terminal: "TEST[ => DEV] [(COND)] (DESCRIPTION)" when a test
// starts, the same line ending "[passed]", "[failed]" or "[not run]" when it ends, then its details
// indented by four (runtime, skip reasons, "exited with status N", the diff, dmesg's lines).
const BLK_LINE =
  /^(\w[\w-]*\/\d+)(?: => (\S+))?\s+(?:\(((?:[\w-]+=[^\s()]+ ?)+)\)\s+)?(?:\(.*\))?\s*(?:\[(passed|failed|not run)\])?$/;
const BLK_GROUP = /^(\w[\w-]*)\/\*\*\*\s+\[not run\]$/;

/**
 * A blktests case: TEST, then its results directory as blktests names it (DEV or "nodev", then
 * "_KEY_VALUE" per condition) less a leading "nodev_": nvme/006/tr_rdma_bd_device, srp/001.
 */
export function blktestsCase(test: string, dev?: string, cond?: string): string {
  const dir = [dev, cond?.trim().replace(/[ =]/g, '_')].filter(Boolean).join('_');
  return dir ? `${test}/${dir}` : test;
}

function blktestsResult(name: string, status: string, details: string[], line: number): ExternalResult {
  const said = details.filter((l) => !/^runtime\s/.test(l));
  if (status === 'passed') return { name, result: 'pass', message: '', line };
  if (status === 'not run') return { name, result: 'skip', message: said.join('; ') || 'not run', line };
  // The diff's headers carry the results path and a time: only its changed lines are words.
  const message = said
    .filter((l) => !/^(\.\.\.|\(Run 'diff|\(See '|--- |\+\+\+ |@@ )/.test(l))
    .slice(0, 8)
    .join(' | ');
  return { name, result: 'fail', message: message || 'failed', line };
}

/** bash's own error in one of blktests' scripts ("common/rc: line 235: read: …"): a test may have vanished with it. */
const BLK_HARNESS = /^((?:common|tests|src)\/[\w./-]+|check): line (\d+): (.+)$/;

/**
 * blktests' check lines as results; a result's line is its test's last detail line. A group check
 * skipped whole is GROUP/all. An error of blktests' own scripts between tests is an error of its own
 * (harness/FILE-LINE): check says nothing of a test whose requirements it could not evaluate.
 */
export function parseBlktests(lines: string[]): ExternalResult[] {
  const out: ExternalResult[] = [];
  let open: { name: string; status: string; details: string[]; last: number } | undefined;
  const close = () => {
    if (open?.status) out.push(blktestsResult(open.name, open.status, open.details, open.last));
    open = undefined;
  };
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    const test = BLK_LINE.exec(line);
    const group = BLK_GROUP.exec(line);
    const harness = BLK_HARNESS.exec(line);
    if (test || group) {
      close();
      const name = test ? blktestsCase(test[1], test[2], test[3]) : `${group![1]}/all`;
      open = { name, status: test ? (test[4] ?? '') : 'not run', details: [], last: i };
    } else if (harness) {
      close();
      const name = `harness/${harness[1].replace(/[/.]/g, '-')}-${harness[2]}`;
      out.push({ name, result: 'error', message: `${harness[1]}: line ${harness[2]}: ${harness[3]}`, line: i });
    } else if (open && /^ {4}\S/.test(line)) {
      open.details.push(line.trim());
      open.last = i;
    }
  });
  close();
  return out;
}

// meson test -v, one test at a time: "N/M PROJECT:SUITE / TEST  RUNNING", the test's output between
// two rules, then "N/M PROJECT:SUITE / TEST  RESULT  1.23s [exit status 77]"; a summary at the end.
const MESON_LINE = /^\s*\d+\/\d+ [^\s:]+:(\S+) \/ (\S+)\s+([A-Z]+)(?:\s+([\d.]+s))?(?:\s+(.*))?$/;
const MESON_RULE = /^[\u2015\u2500-]{10,}|\u2700/;
/** ndctl's C tests end with their contexts released, a tally and the JSON they listed: not what went wrong. */
const MESON_NOISE =
  /^lib\w+: \w+_unref: context \S+ released$|^attempted: \d+ skipped: \d+$|^>>> |^libkmod: (DEBUG|INFO) |^\++ |^[[\]{},']+$|^"[^"]+":/;
const MESON_KIND: Record<string, ExternalResultKind> = {
  OK: 'pass',
  EXPECTEDFAIL: 'pass',
  SKIP: 'skip',
  FAIL: 'fail',
  UNEXPECTEDPASS: 'fail',
  TIMEOUT: 'fail',
  ERROR: 'error',
  INTERRUPT: 'error',
};

/** meson's results, a test's message its last output lines (a skip's reason, a failure's last words). */
export function parseMeson(lines: string[]): ExternalResult[] {
  const out: ExternalResult[] = [];
  let said: string[] = [];
  // After the summary meson lists the failures again: the same results, not more.
  const end = lines.findIndex((l) => /^(Summary of Failures:|Ok:\s+\d+)/.test(l.trim()));
  lines.slice(0, end < 0 ? undefined : end).forEach((raw, i) => {
    const line = raw.trimEnd();
    const m = MESON_LINE.exec(line);
    if (!m || m[3] === 'RUNNING') {
      if (m) said = [];
      else if (line && !MESON_RULE.test(line) && !MESON_NOISE.test(line.trim())) said.push(line.trim());
      return;
    }
    const [, suite, test, status, , detail] = m;
    const result = MESON_KIND[status] ?? 'error';
    const words = result === 'pass' ? [] : [...said.slice(-3), detail ?? status].filter(Boolean);
    out.push({ name: `${suite}/${test}`, result, message: words.join(' | '), line: i });
    said = [];
  });
  return out;
}

export function parseOutput(
  format: OutputFormat,
  lines: string[],
  opts: { byRun?: boolean; name?: string; code?: number | null } = {},
): ExternalResult[] {
  if (format === 'ktap') return parseKtap(lines, opts.byRun);
  if (format === 'unittest') return parseUnittest(lines);
  if (format === 'fstests') return parseFstests(lines);
  if (format === 'blktests') return parseBlktests(lines);
  if (format === 'meson') return parseMeson(lines);
  return [statusResult(opts.name ?? 'run', opts.code ?? null, lines)];
}

const MARK = /^(?:\[\s*([\d.]+)\]\s*)?orchestrate-mark: (\d+) /;

export interface Windows {
  /** Per result, the kernel lines of its window. */
  windows: string[];
  /** Per result, seconds from the previous result's mark to its own (null: no timestamps). */
  seconds: (number | null)[];
  /** Kernel lines after the last result: no case's. */
  after: string;
}

/**
 * The kernel log cut into one window per result: the lines the kernel printed after the previous
 * result's mark and up to this result's (marks number the output lines from 1).
 */
export function caseWindows(dmesg: string, resultLines: number[]): Windows {
  const byMark: string[][] = [[]];
  const at = new Map<number, number>();
  for (const line of dmesg.split('\n')) {
    const m = MARK.exec(line);
    if (!m) {
      byMark[byMark.length - 1].push(line);
      continue;
    }
    while (byMark.length <= Number(m[2])) byMark.push([]);
    if (m[1]) at.set(Number(m[2]), Number(m[1]));
  }
  // byMark[k]: kernel lines after output line k (1-based) was marked, before the next mark.
  const windows: string[] = [];
  const seconds: (number | null)[] = [];
  let from = 0;
  for (const line of resultLines) {
    windows.push(
      byMark
        .slice(from, line + 1)
        .flat()
        .filter(Boolean)
        .join('\n'),
    );
    const [start, end] = [from === 0 ? at.get(1) : at.get(from), at.get(line + 1)];
    seconds.push(start !== undefined && end !== undefined ? Math.round((end - start) * 1000) / 1000 : null);
    from = line + 1;
  }
  return { windows, seconds, after: byMark.slice(from).flat().filter(Boolean).join('\n') };
}
