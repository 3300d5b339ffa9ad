// Debian kernel packages the archive has today, for tests and the bench that bisect between them.
import { availableKernels } from '../orchestrator/adapters/apt.js';
import { compareVersions } from '../orchestrator/core/debian.js';

/** The two newest 6.1 packages, as `bisect --kernels debian:OLDER..NEWEST` names them, and the newest's version. */
export async function newestTwo61(): Promise<{ older: string; newest: string; newestVersion: string }> {
  const six1 = (await availableKernels())
    .filter((k) => k.version.startsWith('6.1.'))
    .sort((a, b) => compareVersions(a.debVersion, b.debVersion));
  const [older, newest] = six1.slice(-2).map((k) => k.release.replace(/-amd64$/, ''));
  return { older, newest, newestVersion: six1[six1.length - 1].debVersion };
}
