// run -- CMD: our exit status from the command's, the kernel's reports and whether its log was read.
import t from 'tap';
import { commandExit } from '../../orchestrator/workflows/command.js';

t.test("the command's status, failing a success on a kernel report or an unread kernel log", async (t) => {
  t.equal(commandExit(0, [], false), 0);
  t.equal(commandExit(3, [], false), 3);
  t.equal(commandExit(0, ['WARNING in dax_disassociate_entry'], false), 1);
  t.equal(commandExit(0, ['WARNING in dax_disassociate_entry'], true), 0, 'allowed');
  t.equal(commandExit(3, ['WARNING in dax_disassociate_entry'], false), 3, "the command's own failure says more");
  t.equal(commandExit(0, [], true, 'dmesg exited 126'), 1, 'nobody saw what the kernel did: not a success');
  t.equal(commandExit(3, [], false, 'dmesg exited 126'), 3, 'the status is kept');
});
