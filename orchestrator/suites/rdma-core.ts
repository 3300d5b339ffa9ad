// rdma-core's own tests (python3-pyverbs 44, in the image) on soft-RoCE, run as the project runs
// them: run_tests.py --dev rxe0 --gid <the RoCE v2 IPv4 GID> -v. Every test is a case, named by
// its unittest id without the "tests." package: rdma-core/test_qpex.QpExTestCase.test_qp_ex_rc_send.
import { RXE } from './memory.js';
import { setupScript, type ExternalSuite } from './suite.js';

const PACKAGE = 'tests.';

export const rdmaCore: ExternalSuite = {
  kind: 'external',
  name: 'rdma-core',
  summary: "rdma-core's own test suite (pyverbs, Debian's rdma-core 44) on rxe0: verbs, QPs, MRs, CQs, rdmacm",
  needs: ['rdma:rxe', 'package:python3-pyverbs', 'file:/usr/share/doc/rdma-core/tests/run_tests.py'],
  setup: [RXE, { argv: [setupScript('rdma-core-tests.sh'), 'rxe0'], timeoutSeconds: 60 }],
  modules: ['rdma_ucm'],
  runs: (facts, selected) => [
    {
      name: 'run_tests',
      command: {
        argv: [
          'python3',
          `${facts.tests}/run_tests.py`,
          '--dev',
          'rxe0',
          '--gid',
          facts.gid,
          '-v',
          ...(selected ?? []).flatMap((p) => ['-k', `${PACKAGE}${p}`]),
        ],
      },
    },
  ],
  format: 'unittest',
  // -k matches by substring (test_qp_ex_rc_send would run test_qp_ex_rc_send_imm too): 17 s, never split.
  shardUnit: () => undefined,
  caseName: (id) => (id.startsWith(PACKAGE) ? id.slice(PACKAGE.length) : id),
  caseSeconds: 120,
  suiteSeconds: 900,
};
