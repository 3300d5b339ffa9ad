// Patch-series intake: an mbox as a list delivers it (cover letter + patches, any order), or the
// concatenated messages of a directory of .patch files. Problems come back as data.
import { createHash } from 'node:crypto';

export interface Message {
  headers: Map<string, string>;
  body: string;
  /** The whole message as `git am` wants it: headers, blank line, body. */
  raw: string;
}

export interface SubjectTag {
  version: number;
  index?: number;
  total?: number;
  rfc: boolean;
  /** The subject without the [PATCH …] tag. */
  title: string;
}

export interface Patch {
  index: number;
  title: string;
  subject: string;
  author: string;
  messageId?: string;
  raw: string;
}

const IGNORED = 'ignored';

/** The problems that stop a series being applied; the rest only say what was left out. */
export function blockingProblems(s: Series): string[] {
  return s.problems.filter((p) => !p.startsWith(IGNORED));
}

export interface Series {
  version: number;
  total: number;
  cover?: { subject: string; title: string; body: string; messageId?: string };
  patches: Patch[];
  baseCommit?: string;
  /** Same patches (diff and title), same id, whatever the headers or the delivery. */
  id: string;
  problems: string[];
}

/** "From <hash> Mon Sep 17 00:00:00 2001" (git) or "From sender Fri Nov 20 12:00:00 2026" (mbox): a time and a year. */
const FROM_LINE = /^From \S+ .*\b\d{1,2}:\d{2}(:\d{2})?\b.*\b\d{4}$/;

/** Splits an mbox at its "From " separator lines; a file with none is one message. */
export function splitMbox(text: string): Message[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const chunks: string[][] = [];
  let current: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const startsMessage =
      FROM_LINE.test(lines[i]) && (i === 0 || lines[i - 1] === '') && /^[\w-]+:/.test(lines[i + 1] ?? '');
    if (startsMessage) chunks.push((current = []));
    else if (current) current.push(lines[i].replace(/^>(>*From )/, '$1'));
    else if (lines[i].trim()) chunks.push((current = [lines[i]]));
  }
  return chunks.map((c) => parseMessage(c.join('\n')));
}

export function parseMessage(text: string): Message {
  const split = text.search(/\n\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const headers = new Map<string, string>();
  let last = '';
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last) headers.set(last, `${headers.get(last)} ${line.trim()}`);
    else {
      const m = /^([\w-]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      last = m[1].toLowerCase();
      headers.set(last, m[2]);
    }
  }
  for (const [k, v] of headers) headers.set(k, decodeWords(v));
  return { headers, body, raw: `${head}\n\n${body}` };
}

/** RFC 2047 encoded words (=?UTF-8?q?…?= and =?UTF-8?b?…?=), as git send-email writes them. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g, (_, charset: string, enc: string, data: string) => {
      const bytes =
        enc.toLowerCase() === 'b'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
              'latin1',
            );
      return bytes.toString(/^utf-?8$/i.test(charset) ? 'utf8' : 'latin1');
    });
}

/** "[RFC PATCH net-next v3 07/13] dax: …" → version 3, 7 of 13. Undefined for replies and non-patches. */
export function parseSubject(subject: string): SubjectTag | undefined {
  const m = /^\s*\[([^\]]*\bPATCH(?:v\d+)?\b[^\]]*)\]\s*(.*)$/i.exec(subject);
  if (!m) return undefined;
  const tag: SubjectTag = { version: 1, rfc: false, title: m[2].trim() };
  for (const word of m[1].split(/\s+/)) {
    const version = /^(?:PATCH)?v(\d+)$/i.exec(word);
    const counter = /^(\d+)\/(\d+)$/.exec(word);
    if (version) tag.version = Number(version[1]);
    else if (counter) [tag.index, tag.total] = [Number(counter[1]), Number(counter[2])];
    else if (/^RFC$/i.test(word)) tag.rfc = true;
  }
  return tag;
}

function hasDiff(body: string): boolean {
  return /^diff --git /m.test(body) || (/^--- \S/m.test(body) && /^\+\+\+ \S/m.test(body));
}

function baseCommitOf(body: string): string | undefined {
  return /^base-commit:\s*([0-9a-f]{7,40})\s*$/m.exec(body)?.[1];
}

/** The part of a patch that decides what it does: from the first diff to the signature. */
function diffOf(body: string): string {
  const start = body.search(/^diff --git |^--- \S/m);
  const diff = start < 0 ? body : body.slice(start);
  return diff.replace(/\n-- \n[\s\S]*$/, '\n');
}

interface Candidate {
  message: Message;
  tag: SubjectTag;
}

function candidates(messages: Message[]): Candidate[] {
  return messages.flatMap((message) => {
    const subject = message.headers.get('subject') ?? '';
    const tag = /^\s*re:/i.test(subject) ? undefined : parseSubject(subject);
    return tag ? [{ message, tag }] : [];
  });
}

function toPatch(c: Candidate, index: number): Patch {
  const h = c.message.headers;
  return {
    index,
    title: c.tag.title,
    subject: h.get('subject') ?? '',
    author: h.get('from') ?? '',
    messageId: h.get('message-id'),
    raw: c.message.raw,
  };
}

function seriesId(patches: Patch[]): string {
  const hash = createHash('sha256');
  for (const p of patches) hash.update(`${p.title}\n${diffOf(parseMessage(p.raw).body)}\0`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The newest version found in the messages, patches in order. A list's mbox can hold several
 * versions, replies and strays; a missing or doubled patch is a problem, not a guess.
 */
export function parseSeries(messages: Message[]): Series {
  const all = candidates(messages);
  const problems: string[] = [];
  const version = Math.max(
    0,
    ...all.filter((c) => hasDiff(c.message.body) || c.tag.index === 0).map((c) => c.tag.version),
  );
  const mine = all.filter((c) => c.tag.version === version);
  const others = new Set(all.filter((c) => c.tag.version !== version).map((c) => c.tag.version));
  if (others.size) problems.push(`${IGNORED} other versions: v${[...others].sort().join(', v')}`);
  const coverC = mine.find(
    (c) => c.tag.index === 0 || (!hasDiff(c.message.body) && c.tag.index === undefined && mine.length > 1),
  );
  const patchC = mine.filter((c) => c !== coverC && hasDiff(c.message.body));
  const total = patchC[0]?.tag.total ?? coverC?.tag.total ?? patchC.length;
  const numbered = patchC.every((c) => c.tag.index !== undefined);
  const ordered = numbered ? [...patchC].sort((a, b) => (a.tag.index ?? 0) - (b.tag.index ?? 0)) : patchC;
  const patches = ordered.map((c, i) => toPatch(c, numbered ? (c.tag.index ?? i + 1) : i + 1));
  for (let i = 1; i <= total; i++) {
    const n = patches.filter((p) => p.index === i).length;
    if (n === 0) problems.push(`patch ${i}/${total} is missing`);
    if (n > 1) problems.push(`patch ${i}/${total} appears ${n} times`);
  }
  if (!patches.length) problems.push('no patches found (no message with a [PATCH] subject and a diff)');
  if (patches.some((p) => p.index > total)) problems.push(`a patch is numbered beyond ${total}`);
  const cover = coverC && {
    subject: coverC.message.headers.get('subject') ?? '',
    title: coverC.tag.title,
    body: coverC.message.body,
    messageId: coverC.message.headers.get('message-id'),
  };
  const baseCommit = (cover && baseCommitOf(cover.body)) ?? patches.map((p) => baseCommitOf(p.raw)).find(Boolean);
  return { version: version || 1, total, cover, patches, baseCommit, id: seriesId(patches), problems };
}

/** The subject git format-patch --cover-letter leaves until its author writes one. */
const PLACEHOLDER_SUBJECT = '*** SUBJECT HERE ***';

/** What a series is called: its cover letter's subject, or its first patch's when the cover has none of its own. */
export function seriesTitle(s: { cover?: { title: string }; patches: { title: string }[] }): string {
  const cover = s.cover?.title.trim();
  return (cover && cover !== PLACEHOLDER_SUBJECT ? cover : s.patches[0]?.title) ?? '(empty)';
}

/** The first COUNT patches as a series of their own (patchcheck builds each prefix). */
export function prefixOf(series: Series, count: number): Series {
  const patches = series.patches.slice(0, count);
  return { ...series, patches, id: seriesId(patches) };
}
