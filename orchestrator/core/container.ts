// The OCI image of orchestrate: what goes in (Debian's packages, the project, Node) and how podman
// is told to run it. Pure: the recipe as data; adapters/container.ts builds it.
/** The tag the image build gives by default; emitted jobs run it unless told otherwise. */
export const DEFAULT_IMAGE = 'localhost/orchestrate:latest';
/** Where the image keeps the project (its files: PROJECT_FILES). */
export const IMAGE_PROJECT_DIR = '/opt/orchestrate';
/** The one volume a container needs: the caches and the kernel store, shared between containers. */
export const CONTAINER_CACHE = '/cache';
/** Where a container starts: the user's directory mounted here gets results/ and finds their trees. */
export const CONTAINER_WORKDIR = '/work';

/** The project's files a run reads: the built code, the guest side, the configs; never tests or docs. */
export const PROJECT_FILES = [
  'package.json',
  'package-lock.json',
  'bin',
  'dist/orchestrator',
  'guest',
  'configs',
  'container',
];

/** Every cache on the volume: the caches, the kernel store and ccache's (a container's home is gone with it). */
export const CONTAINER_ENV: Record<string, string> = {
  ORCHESTRATE_CACHE: `${CONTAINER_CACHE}/orchestrate`,
  ORCHESTRATE_KERNELS: `${CONTAINER_CACHE}/kernels`,
  CCACHE_DIR: `${CONTAINER_CACHE}/ccache`,
};

/** Besides the host packages orchestrate asks for: tini as PID 1, Node's C++ runtime, apt over TLS. */
const BASE_PACKAGES = ['ca-certificates', 'libstdc++6', 'procps', 'tini'];

/** What the image installs: the host packages repro and a kernel build need, and the base. */
export function containerPackages(hostPackages: string[]): string[] {
  return [...new Set([...hostPackages, ...BASE_PACKAGES])].sort();
}

/**
 * The image's configuration, as `podman import --change` lines. A privileged container (the guest
 * image's mmdebstrap mounts proc and sys in its chroot) sees the host's /dev/kvm when it has one.
 */
export function importChanges(): string[] {
  return [
    `ENTRYPOINT ["/usr/bin/tini", "--", "${IMAGE_PROJECT_DIR}/container/entrypoint.sh"]`,
    'CMD ["--help"]',
    `WORKDIR ${CONTAINER_WORKDIR}`,
    ...Object.entries(CONTAINER_ENV).map(([name, value]) => `ENV ${name}=${value}`),
    `VOLUME ${CONTAINER_CACHE}`,
  ];
}
