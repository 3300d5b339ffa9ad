// Where a nightly plan's series come from: one series per mbox file (or per directory of .patch
// files), per thread of a maildir, or per listed mbox; each with the path it came from.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage, parseSeries, type Message, type Series } from '../core/series.js';
import type { Plan } from '../core/nightly.js';
import { messagesOfFiles, patchFiles } from './series.js';

export interface Arrival {
  source: string;
  series: Series;
}

const MBOX = /\.(mbox|eml)$/;

function newer(path: string, since?: Date): boolean {
  return !since || statSync(path).mtime >= since;
}

function fromDir(dir: string, since?: Date): Arrival[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        const patches = patchFiles(path);
        if (!patches.some((f) => newer(f, since))) return [];
        return [{ source: path, series: parseSeries(messagesOfFiles(patches)) }];
      }
      if (!MBOX.test(name) || !newer(path, since)) return [];
      return [{ source: path, series: parseSeries(messagesOfFiles([path])) }];
    });
}

/** The thread a message belongs to: the first of References, else In-Reply-To, else itself. */
function threadOf(m: Message): string {
  const refs = (m.headers.get('references') ?? '').match(/<[^>]+>/g);
  return refs?.[0] ?? m.headers.get('in-reply-to')?.match(/<[^>]+>/)?.[0] ?? m.headers.get('message-id') ?? '';
}

function fromMaildir(dir: string, since?: Date): Arrival[] {
  const threads = new Map<string, Message[]>();
  for (const sub of ['new', 'cur']) {
    const d = join(dir, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      if (!newer(join(d, f), since)) continue;
      const m = parseMessage(readFileSync(join(d, f), 'utf8').replace(/\r\n/g, '\n'));
      threads.set(threadOf(m), [...(threads.get(threadOf(m)) ?? []), m]);
    }
  }
  return [...threads]
    .map(([id, messages]) => ({ source: `${dir} thread ${id}`, series: parseSeries(messages) }))
    .filter((a) => a.series.patches.length);
}

export function intake(plan: Plan, resolvePath: (p: string) => string, since?: Date): Arrival[] {
  if (plan.series.dir) return fromDir(resolvePath(plan.series.dir), since);
  if (plan.series.maildir) return fromMaildir(resolvePath(plan.series.maildir), since);
  return (plan.series.mbox ?? [])
    .map(resolvePath)
    .filter((p) => newer(p, since))
    .map((p) => ({ source: p, series: parseSeries(messagesOfFiles([p])) }));
}
