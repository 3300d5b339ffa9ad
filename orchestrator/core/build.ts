// Kernel builds as data: the store id of a build's inputs, progress from make's output,
// and the first errors of a failed build.
import { createHash } from 'node:crypto';

export interface BuildInputs {
  /** The commit the series was applied on. */
  commit: string;
  seriesId?: string;
  /** The merged fragments as rendered by renderRequest. */
  config: string;
  /** `gcc --version`'s first line. */
  compiler: string;
  /** The fragments' directives as renderDirectives gives them; absent or empty leaves older ids as they were. */
  directives?: string;
}

export function buildId(inputs: BuildInputs): string {
  const hashed = [inputs.commit, inputs.seriesId ?? '', inputs.config, inputs.compiler];
  if (inputs.directives) hashed.push(inputs.directives);
  const hash = createHash('sha256').update(JSON.stringify(hashed)).digest('hex');
  return `build-${inputs.commit.slice(0, 12)}-${hash.slice(0, 12)}`;
}

/** Kbuild's quiet lines that stand for one compiled or linked object. */
const OBJECT_LINE = /^\s+(CC|AS|LD|AR|HOSTCC|HOSTLD|CC \[M\]|LDS|OBJCOPY)\s+\S/;

export interface Progress {
  objects: number;
  expected: number;
  fraction: number;
  /** Seconds left at the rate so far; undefined until there is a rate. */
  eta?: number;
}

export function countsAsObject(line: string): boolean {
  return OBJECT_LINE.test(line);
}

export function progress(objects: number, expected: number, elapsedSeconds: number): Progress {
  const fraction = expected > 0 ? Math.min(1, objects / expected) : 0;
  const eta =
    objects >= 20 && fraction < 1
      ? Math.round((elapsedSeconds / objects) * Math.max(0, expected - objects))
      : undefined;
  return { objects, expected, fraction, eta };
}

export function formatProgress(p: Progress, phase: string): string {
  if (p.expected <= 0) return `${phase} ${p.objects} objects`;
  const pct = `${Math.round(p.fraction * 100)}%`.padStart(4);
  const eta = p.eta === undefined ? '' : `, ETA ${formatSeconds(p.eta)}`;
  return `${phase} ${pct} (${p.objects}/~${p.expected} objects${eta})`;
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

const ERROR_LINE =
  /^[^\s:][^:]*:\d+(:\d+)?: (fatal )?error: |^ld: .*(undefined reference|multiple definition)|^ERROR: modpost: /;
const MAKE_ERROR = /^make(\[\d+\])?: \*\*\*/;

/** Paths as the tree names them: kbuild with O= prints sources as ../src/… or absolute. */
function tidy(line: string, srcPrefixes: string[]): string {
  return srcPrefixes.reduce((l, p) => l.split(p).join(''), line);
}

export interface BuildErrors {
  /** The first error line: the headline of a BUILD-FAIL. */
  first?: string;
  /** Up to MAX errors, each with gcc's "In function" line before it and the source line after. */
  lines: string[];
}

export function firstErrors(log: string, srcPrefixes: string[] = [], max = 3): BuildErrors {
  const lines = log.split('\n');
  const out: string[] = [];
  let first: string | undefined;
  let found = 0;
  for (let i = 0; i < lines.length && found < max; i++) {
    if (!ERROR_LINE.test(lines[i])) continue;
    found++;
    first ??= tidy(lines[i], srcPrefixes);
    if (/: In function /.test(lines[i - 1] ?? '') && !out.includes(tidy(lines[i - 1], srcPrefixes)))
      out.push(tidy(lines[i - 1], srcPrefixes));
    out.push(tidy(lines[i], srcPrefixes));
    if (/^\s+\d+ \| /.test(lines[i + 1] ?? '')) out.push(lines[i + 1].trimEnd());
  }
  if (!found)
    out.push(
      ...lines
        .filter((l) => MAKE_ERROR.test(l))
        .slice(0, max)
        .map((l) => tidy(l, srcPrefixes)),
    );
  return { first: first ?? out[0], lines: out };
}
