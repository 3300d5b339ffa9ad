// A run's recorded QEMU command line as a plain shell script (run-qemu.sh) that boots the same
// machine without orchestrate: the host's files become names relative to the script (or
// variables), the NVDIMM backing files and scratch disks are made anew in work/.
import { basename } from 'node:path/posix';
import { shellQuote } from './shell.js';

/** A piece of one QEMU argument: literal text, a variable (QEMU-escaped when in an option), or raw shell. */
export type Part = { lit: string } | { env: string; option?: boolean } | { raw: string };
export type Word = Part[];

export interface Replay {
  /** The arguments after the binary, grouped as option and value. */
  groups: Word[][];
  /** Files run-qemu.sh makes (sparse) before QEMU starts. */
  files: { path: string; size: string }[];
  /** The variables and their defaults: KERNEL, INITRD, ROOTFS, ACCEL, CPU, SSH_PORT. */
  defaults: Record<string, string>;
}

export const WORK = 'work';
export const SSH_PORT = '10022';

/** QEMU's option string split at single commas (",," is a literal comma). */
export function splitOption(value: string): string[] {
  return value.split(/,(?!,)/).reduce<string[]>((out, piece, i, all) => {
    if (i > 0 && all[i - 1].endsWith(',')) out[out.length - 1] += `,${piece}`;
    else out.push(piece);
    return out;
  }, []);
}

const unescape = (v: string) => v.replace(/,,/g, ',');
const lit = (text: string): Part => ({ lit: text });
const hostPath = /(^|[=,:])\//;

class Unsupported extends Error {}

/** Groups of [option, value] or [flag]; a value never starts with "-" in our command lines. */
function group(args: string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    const takesValue = args[i].startsWith('-') && i + 1 < args.length && !args[i + 1].startsWith('-');
    groups.push(takesValue ? [args[i], args[++i]] : [args[i]]);
  }
  return groups;
}

interface State extends Replay {
  sizes: Record<string, string>;
  rootSeen: boolean;
}

function workFile(s: State, path: string, size: string | undefined): string {
  const name = basename(unescape(path));
  if (!size) throw new Unsupported(`no size known for the disk ${name}`);
  const local = `${WORK}/${name}`;
  s.files.push({ path: local, size });
  return local;
}

/** The root overlay's name in a snapshottable boot, and the options only saving and restoring need. */
const SNAPSHOT_ROOT = 'root.qcow2';
const SNAPSHOT_ONLY = ['-qmp', '-incoming'];

function drive(s: State, value: string): Word {
  const [file, ...rest] = splitOption(value);
  const path = file.replace(/^file=/, '');
  const tail = rest.length ? `,${rest.join(',')}` : '';
  if (!s.rootSeen && rest.includes('snapshot=on')) {
    s.rootSeen = true;
    s.defaults.ROOTFS = basename(unescape(path));
    return [lit('file='), { env: 'ROOTFS', option: true }, lit(tail)];
  }
  // A snapshottable run's root overlay (engine/session): replayed as the cold boot it stands for.
  if (!s.rootSeen && basename(unescape(path)) === SNAPSHOT_ROOT && rest.includes('format=qcow2')) {
    s.rootSeen = true;
    s.defaults.ROOTFS = 'rootfs.ext4';
    const cold = rest.flatMap((r) => (r === 'format=qcow2' ? ['format=raw', 'snapshot=on'] : [r]));
    return [lit('file='), { env: 'ROOTFS', option: true }, lit(`,${cold.join(',')}`)];
  }
  const name = basename(unescape(path)).replace(/\.img$/, '');
  return [lit(`file=${workFile(s, path, s.sizes[name])}${tail}`)];
}

function memoryBackend(s: State, value: string): Word {
  const parts = splitOption(value);
  const size = parts.find((p) => p.startsWith('size='))?.slice('size='.length);
  return [
    lit(parts.map((p) => (p.startsWith('mem-path=') ? `mem-path=${workFile(s, p.slice(9), size)}` : p)).join(',')),
  ];
}

function netdev(value: string): Word {
  if (!value.startsWith('user,')) throw new Unsupported('a second guest (a socket NIC)');
  const m = /^(.*hostfwd=tcp:127\.0\.0\.1:)\d+(-:22.*)$/.exec(value);
  return m ? [lit(m[1]), { env: 'SSH_PORT' }, lit(m[2])] : [lit(value)];
}

function valueWord(s: State, option: string, value: string): Word {
  switch (option) {
    case '-kernel':
    case '-initrd':
      s.defaults[option === '-kernel' ? 'KERNEL' : 'INITRD'] = basename(value);
      return [{ env: option === '-kernel' ? 'KERNEL' : 'INITRD' }];
    case '-append':
      return [lit(value), { raw: '"${APPEND:+ $APPEND}"' }];
    case '-accel':
    case '-cpu':
      s.defaults[option === '-accel' ? 'ACCEL' : 'CPU'] = value;
      return [{ env: option === '-accel' ? 'ACCEL' : 'CPU' }];
    case '-drive':
      return drive(s, value);
    case '-netdev':
      return netdev(value);
    case '-fsdev':
      throw new Unsupported('a shared host directory (virtio-9p)');
  }
  if (option === '-object' && value.startsWith('memory-backend-file')) return memoryBackend(s, value);
  if (hostPath.test(value)) throw new Unsupported(`a host path in ${option}'s value`);
  return [lit(value)];
}

/**
 * ARGV (the binary first, as results.json records it) as replayable groups; SIZES are the profile
 * disks' sizes by id (the command line does not say them). Throws on what a plain script cannot
 * replay alone: a second guest, a shared directory, a host path it does not know.
 */
export function replay(argv: string[], sizes: Record<string, string>): Replay {
  const s: State = { groups: [], files: [], defaults: { SSH_PORT }, sizes, rootSeen: false };
  for (const [option, value] of group(argv.slice(1))) {
    if (SNAPSHOT_ONLY.includes(option)) continue;
    s.groups.push(value === undefined ? [[lit(option)]] : [[lit(option)], valueWord(s, option, value)]);
  }
  if (!s.defaults.KERNEL || !s.rootSeen) throw new Unsupported('no -kernel or no root disk');
  return { groups: s.groups, files: s.files, defaults: s.defaults };
}

export const isUnsupported = (err: unknown): err is Error => err instanceof Unsupported;

/** One word as shell text: literals quoted, variables in double quotes (through qv inside an option). */
export function shellWord(word: Word): string {
  return word
    .map((p) => {
      if ('raw' in p) return p.raw;
      if ('env' in p) return p.option ? `"$(qv "$${p.env}")"` : `"$${p.env}"`;
      return p.lit === '' ? '' : shellQuote(p.lit);
    })
    .join('');
}

/** One word with the variables' defaults put in: the command line as run-qemu.sh runs it by default. */
export function plainWord(word: Word, defaults: Record<string, string>): string {
  return word.map((p) => ('raw' in p ? '' : 'env' in p ? (defaults[p.env] ?? '') : p.lit)).join('');
}
