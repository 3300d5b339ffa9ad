// A scripted guest for pure-logic tests of the runner: Session's own dmesgDelta over canned exec results.
import { runSuites, type SuiteRun } from '../orchestrator/run/runner.js';
import { Session } from '../orchestrator/run/session.js';
import type { ExecResult } from '../orchestrator/adapters/ssh.js';
import { loadExpectations } from '../orchestrator/adapters/config.js';
import { selectTests } from '../orchestrator/suites/index.js';

export type Exec = Pick<ExecResult, 'code' | 'timedOut' | 'stdout' | 'stderr'>;
export const ok = (stdout = ''): Exec => ({ code: 0, timedOut: false, stdout, stderr: '' });
export type Rule = [RegExp, Partial<ExecResult>];

/**
 * A scripted guest with Session's own dmesgDelta: `dmesg --read-clear` answers from READS in order
 * (a quiet, successful one once they run out), other commands by the first matching rule.
 */
export function fakeSession(rules: Rule[], reads: Exec[], label?: string): Session {
  const fake = {
    label,
    kernelLog: '',
    async exec(argv: string[]): Promise<ExecResult> {
      const answer = argv[0] === 'dmesg' ? reads.shift() ?? ok() : rules.find(([re]) => re.test(argv.join(' ')))?.[1] ?? {};
      return { code: 0, signal: null, stdout: '', stderr: '', seconds: 0, timedOut: false, ...answer };
    },
    dmesgDelta: Session.prototype.dmesgDelta,
    qemu: { consoleText: () => '' },
  };
  return fake as unknown as Session;
}

export const runs = (name: string): SuiteRun[] => selectTests([name])
  .map((s) => ({ selection: s, expectations: loadExpectations(s.suite) }));

/** The results of running the tests NAME on a fake guest with RULES and dmesg READS. */
export async function fakeRun(name: string, rules: Rule[], reads: Exec[], version = '6.1.192') {
  return (await runSuites({ session: fakeSession(rules, reads) }, runs(name), version)).results;
}
