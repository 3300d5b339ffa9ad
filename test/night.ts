// A night of the history as the reports see it: a base, a regressing series with a known
// failure and a warning, and a reused clean series.
import type { CaseRow, NightView } from '../orchestrator/core/nightly-report.js';

/** Not a kernel bug: a record made up for the report tests. */
export const SYNTHETIC = {
  id: 'synthetic-xfs',
  cause: 'synthetic: a known failure for the report tests',
  reference: 'https://lore.kernel.org/linux-mm/',
};

const row = (test: string, cls: CaseRow['class'], extra: Partial<CaseRow> = {}): CaseRow => ({
  test,
  verdict: cls === 'REGRESSION' ? 'FAIL' : 'PASS',
  class: cls,
  detail: cls === 'REGRESSION' ? 'registered: expected refused' : '',
  known: null,
  kernel: 'build-x',
  buildSeconds: 30,
  bootSeconds: 4.5,
  testSeconds: 6,
  reused: false,
  warnings: [],
  ...extra,
});

export const NIGHT: NightView = {
  plan: 'dax-rdma',
  night: '2026-11-25',
  started: '2026-11-25T01:00:00.000Z',
  finished: '2026-11-25T01:20:00.000Z',
  baseCommit: 'c2fa53280e04e4bb994651f9302d5340f8cfeb01',
  baseVersion: '6.1.192',
  base: [row('ib-reg-refusal/fsdax-ext4', 'PASS'), row('ib-reg-refusal/fsdax-xfs', 'PASS')],
  series: [
    {
      id: 'aaaa',
      version: 2,
      title: 'mm/gup, dax: long-term pins of fs-DAX',
      messageId: '<20261120100000.1000-0-ada@example.org>',
      subjects: ['a', 'b', 'c'],
      source: 'x.mbox',
      cases: [
        row('ib-reg-refusal/fsdax-ext4', 'REGRESSION', {
          warnings: [{ title: 'WARNING in dax_disassociate_entry', kind: 'warning', source: 'dmesg' }],
        }),
        row('ib-reg-refusal/fsdax-xfs', 'KNOWN', { verdict: 'KNOWN', known: SYNTHETIC }),
      ],
      patchcheck: {
        tests: ['ib-reg-refusal/fsdax-ext4'],
        patch: 2,
        title: 'b',
        verdict: 'FAIL',
        detail: 'ib-reg-refusal/fsdax-ext4',
      },
    },
    {
      id: 'bbbb',
      version: 1,
      title: 'fs/dax: comment',
      messageId: null,
      subjects: ['a'],
      source: 'y.mbox',
      cases: [
        row('ib-reg-refusal/fsdax-ext4', 'PASS', { reused: true }),
        row('ib-reg-refusal/fsdax-xfs', 'PASS', { reused: true }),
      ],
    },
  ],
};
