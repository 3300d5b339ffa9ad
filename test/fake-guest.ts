// A scripted Guest for pure-logic tests of the runner: each command answered by the first rule whose
// pattern matches its argv, `dmesg --read-clear` from a list of reads (a quiet one once they run out).
import type { ExecResult } from '../orchestrator/adapters/ssh.js';
import { loadExpectations } from '../orchestrator/adapters/config.js';
import { dmesgLines, type Guest } from '../orchestrator/engine/guest.js';
import { runSuites, type SuiteRun } from '../orchestrator/engine/runner.js';
import { selectTests } from '../orchestrator/suites/index.js';

export type Exec = Pick<ExecResult, 'code' | 'timedOut' | 'stdout' | 'stderr'>;
export const ok = (stdout = ''): Exec => ({ code: 0, timedOut: false, stdout, stderr: '' });
/** An answer, or an error the guest throws (GuestLost: it died). */
export type Answer = Partial<ExecResult> | Error;
export type Rule = [RegExp, Answer];

export interface Scripted {
  /** What successive dmesg reads print (a string), or how they fail. */
  reads?: (Exec | string)[];
  console?: string;
  label?: string;
}

export class FakeGuest implements Guest {
  kernelLog = '';
  readonly label?: string;
  /** Every command it was asked to run. */
  readonly asked: string[][] = [];
  private readonly reads: (Exec | string)[];

  constructor(
    private readonly rules: Rule[],
    private readonly script: Scripted = {},
  ) {
    this.reads = [...(script.reads ?? [])];
    this.label = script.label;
  }

  async exec(argv: string[]): Promise<ExecResult> {
    this.asked.push(argv);
    const read = argv[0] === 'dmesg' ? (this.reads.shift() ?? ok()) : undefined;
    const answer =
      read === undefined
        ? (this.rules.find(([re]) => re.test(argv.join(' ')))?.[1] ?? {})
        : typeof read === 'string'
          ? ok(read)
          : read;
    if (answer instanceof Error) throw answer;
    return { code: 0, signal: null, stdout: '', stderr: '', seconds: 0, timedOut: false, ...answer };
  }

  async uploadGuestFiles(): Promise<void> {}

  async uploadTo(): Promise<void> {}

  async waitForModules(): Promise<{ ready: boolean; detail: string }> {
    return { ready: true, detail: '' };
  }

  async dmesgDelta(): Promise<string> {
    const r = await this.exec(['dmesg', '--read-clear']);
    this.kernelLog += r.stdout;
    return dmesgLines(r);
  }

  consoleText(): string {
    return this.script.console ?? '';
  }

  async close(): Promise<void> {}
}

export const runs = (name: string): SuiteRun[] =>
  selectTests([name]).map((s) => ({ selection: s, expectations: loadExpectations(s.suite) }));

/** The results of running the tests NAME on a fake guest with RULES and dmesg READS. */
export async function fakeRun(name: string, rules: Rule[], reads: (Exec | string)[], version = '6.1.192') {
  return (await runSuites({ session: new FakeGuest(rules, { reads }) }, runs(name), version)).results;
}
