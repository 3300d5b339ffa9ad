// Who a bug report goes to: the files and functions a cause names, and the To/Cc that the tree's
// scripts/get_maintainer.pl gives for them (run with --rolestats: "Name <addr> (role:SUBSYSTEM)").

export interface Recipients {
  to: string[];
  cc: string[];
}

/** Paths of kernel sources a text names: block/bio.c, include/linux/mm.h. */
export function filesNamed(text: string): string[] {
  const found = text.match(/\b(?:[\w.-]+\/)+[\w.-]+\.[chS]\b/g) ?? [];
  return [...new Set(found)];
}

/** Functions a text names as `name()`: __bio_release_pages, folio_put_refs. */
export function functionsNamed(text: string): string[] {
  const found = [...text.matchAll(/\b([A-Za-z_]\w*)\(\)/g)].map((m) => m[1]);
  return [...new Set(found)];
}

/** An extended regex (git grep -E) for a line that defines NAME: at column 0, its name and "(", no ";". */
export function definitionPattern(name: string): string {
  return `^[A-Za-z_][^;]*[ *]${name}\\([^;]*$`;
}

const PERSON_ROLES = /^(maintainer|supporter|odd fixer|chief penguin)/;

/**
 * get_maintainer.pl's lines as recipients: maintainers, supporters and odd fixers to To, the
 * rest (reviewers, lists) to Cc; duplicates dropped, the order kept.
 */
export function parseMaintainers(output: string): Recipients {
  const to: string[] = [];
  const cc: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.*\S)\s+\(([^)]*(?:\([^)]*\))?[^)]*)\)\s*$/.exec(line.trim());
    const address = (m?.[1] ?? line).trim();
    if (!address.includes('@')) continue;
    const list = PERSON_ROLES.test(m?.[2] ?? '') ? to : cc;
    if (!to.includes(address) && !cc.includes(address)) list.push(address);
  }
  return { to, cc };
}

/** RECIPIENTS with EXTRA added to Cc (the stable list), never twice. */
export function withCc(r: Recipients, extra: string[]): Recipients {
  const seen = new Set([...r.to, ...r.cc]);
  return { to: r.to, cc: [...r.cc, ...extra.filter((a) => !seen.has(a))] };
}
