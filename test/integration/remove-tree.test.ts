// removeTree never deletes through a mount (an interrupted mmdebstrap leaves bind mounts behind).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from '../../orchestrator/adapters/lifecycle.js';
import { tempDir } from '../temp.js';

t.test(
  'a bind mount inside the tree survives its removal',
  { skip: process.getuid?.() !== 0 && 'needs root to mount' },
  async (t) => {
    const base = tempDir('orchestrate-rmtree-');
    const keep = join(base, 'keep');
    const doomed = join(base, 'doomed');
    mkdirSync(keep);
    writeFileSync(join(keep, 'precious'), 'host data');
    mkdirSync(join(doomed, 'chroot', 'dev'), { recursive: true });
    t.equal(spawnSync('mount', ['--bind', keep, join(doomed, 'chroot', 'dev')]).status, 0);
    removeTree(doomed);
    t.notOk(existsSync(doomed), 'tree removed');
    t.ok(existsSync(join(keep, 'precious')), 'what was mounted into it is untouched');
    removeTree(base);
  },
);
