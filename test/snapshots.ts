// Test helpers for saved guests.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from '../orchestrator/adapters/lifecycle.js';
import { bootMarker, snapshotsDir } from '../orchestrator/adapters/snapshot-store.js';

/** KEY as never booted: its snapshot and its boot marker gone. */
export function forgetSnapshot(key: string): void {
  removeTree(join(snapshotsDir(), key));
  rmSync(bootMarker(key), { force: true });
}
