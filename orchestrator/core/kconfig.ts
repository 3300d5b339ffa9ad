// Kernel configuration: fragments in, merged request out; after olddefconfig, which requested
// options Kconfig dropped and which of their dependencies are unmet.

export type ConfigValues = Map<string, string>;

export interface Fragment {
  name: string;
  text: string;
}

export interface Requested {
  value: string;
  /** The fragment that asked last: user fragments come after ours and win. */
  from: string;
}

export interface Dropped {
  symbol: string;
  wanted: string;
  got: string;
  from: string;
  /** Unmet conjuncts of its `depends on`, with the values that fail them. */
  unmet: string[];
}

const SET = /^CONFIG_(\w+)=(.*)$/;
const UNSET = /^# CONFIG_(\w+) is not set$/;

/** A .config or a fragment: "is not set" reads as n. */
export function parseConfig(text: string): ConfigValues {
  const values: ConfigValues = new Map();
  for (const line of text.split('\n')) {
    const set = SET.exec(line.trim());
    const unset = UNSET.exec(line.trim());
    if (set) values.set(set[1], set[2]);
    else if (unset) values.set(unset[1], 'n');
  }
  return values;
}

/**
 * What a fragment asks of the build beyond Kconfig, in comments Kconfig ignores:
 * `# orchestrate: modules DIR...` builds and installs the tree's DIR with `make M=DIR`;
 * `# orchestrate: optional SYMBOL...` lets a tree that has no such symbol drop it (an option newer trees have).
 */
export interface Directives {
  modules: string[];
  optional: string[];
}

const DIRECTIVE = /^#\s*orchestrate:\s*(.*)$/;
const TREE_DIR = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[\w.+-]+(\/[\w.+-]+)*$/;
const SYMBOL = /^(CONFIG_)?[A-Z0-9_]+$/;

/** One directive's words, or why it is malformed. */
function parseDirective(body: string): { key: keyof Directives; values: string[] } | string {
  const [key, ...values] = body.split(/\s+/).filter(Boolean);
  if (key === 'modules') {
    const bad = values.find((v) => !TREE_DIR.test(v.replace(/\/$/, '')));
    if (!values.length || bad)
      return `"modules" wants directories of the tree (tools/testing/nvdimm)${bad ? `, not ${bad}` : ''}`;
    return { key, values: values.map((v) => v.replace(/\/$/, '')) };
  }
  if (key === 'optional') {
    const bad = values.find((v) => !SYMBOL.test(v));
    if (!values.length || bad) return `"optional" wants Kconfig symbols${bad ? `, not ${bad}` : ''}`;
    return { key, values: values.map((v) => v.replace(/^CONFIG_/, '')) };
  }
  return `unknown directive "${key ?? ''}" (want "modules DIR..." or "optional SYMBOL...")`;
}

/** Lines that are neither options nor comments: a typo in a fragment should not pass silently. */
export function fragmentErrors(f: Fragment): string[] {
  return f.text.split('\n').flatMap((line, i) => {
    const t = line.trim();
    const directive = DIRECTIVE.exec(t);
    if (directive) {
      const parsed = parseDirective(directive[1]);
      return typeof parsed === 'string' ? [`${f.name}:${i + 1}: ${parsed}: ${t}`] : [];
    }
    if (!t || SET.test(t) || UNSET.test(t) || (t.startsWith('#') && !t.startsWith('# CONFIG_'))) return [];
    return [`${f.name}:${i + 1}: not a config line: ${t}`];
  });
}

/** The fragments' directives merged: each list sorted, without repeats; malformed ones are fragmentErrors'. */
export function fragmentDirectives(fragments: Fragment[]): Directives {
  const found: Directives = { modules: [], optional: [] };
  for (const line of fragments.flatMap((f) => f.text.split('\n'))) {
    const directive = DIRECTIVE.exec(line.trim());
    const parsed = directive && parseDirective(directive[1]);
    if (parsed && typeof parsed !== 'string') found[parsed.key].push(...parsed.values);
  }
  return { modules: [...new Set(found.modules)].sort(), optional: [...new Set(found.optional)].sort() };
}

/** The directives as the build id hashes them: empty when there are none, so such ids do not change. */
export function renderDirectives(d: Directives): string {
  return [
    ...d.modules.map((m) => `# orchestrate: modules ${m}`),
    ...d.optional.map((s) => `# orchestrate: optional ${s}`),
  ].join('\n');
}

/** What a build asks of the tree, by content: the merged request, then any directives (none: as before them). */
export function requestKey(fragments: Fragment[]): string {
  const directives = renderDirectives(fragmentDirectives(fragments));
  return renderRequest(mergeFragments(fragments)) + (directives && `${directives}\n`);
}

/** Dropped options that count: not those a fragment made optional and the tree does not define. */
export function unexcused(dropped: Dropped[], optional: string[], defined: (symbol: string) => boolean): Dropped[] {
  return dropped.filter((d) => !optional.includes(d.symbol) || defined(d.symbol));
}

export function mergeFragments(fragments: Fragment[]): Map<string, Requested> {
  const merged = new Map<string, Requested>();
  for (const f of fragments) {
    for (const [symbol, value] of parseConfig(f.text)) merged.set(symbol, { value, from: f.name });
  }
  return merged;
}

/** The merged request as a fragment, in a stable order: what the build id hashes. */
export function renderRequest(merged: Map<string, Requested>): string {
  return (
    [...merged]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([s, r]) => (r.value === 'n' ? `# CONFIG_${s} is not set` : `CONFIG_${s}=${r.value}`))
      .join('\n') + '\n'
  );
}

function same(wanted: string, got: string | undefined): boolean {
  if (wanted === 'n') return got === undefined || got === 'n';
  return wanted === got;
}

/** Requested options whose value did not survive; `dependsOf` gives each symbol's Kconfig `depends on` lines. */
export function checkConfig(
  merged: Map<string, Requested>,
  result: ConfigValues,
  dependsOf: (symbol: string) => string[],
): Dropped[] {
  return [...merged]
    .filter(([s, r]) => !same(r.value, result.get(s)))
    .map(([symbol, r]) => ({
      symbol,
      wanted: r.value,
      got: result.get(symbol) ?? 'unset',
      from: r.from,
      unmet: dependsOf(symbol).flatMap((expr) => unmetConjuncts(expr, result)),
    }));
}

export function describeDropped(d: Dropped): string {
  const deps = d.unmet.length
    ? `; unmet: ${d.unmet.join(', ')}`
    : '; its own dependencies hold (an enclosing menu or if, a choice or a select decides)';
  return `CONFIG_${d.symbol}=${d.wanted} (from ${d.from}) ended up ${d.got}${deps}`;
}

/** `depends on` lines of `config SYM` / `menuconfig SYM` entries in a Kconfig file's text. */
export function dependsInKconfig(text: string, symbol: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!new RegExp(`^\\s*(menu)?config\\s+${symbol}\\s*$`).test(lines[i])) continue;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j];
      if (/^\s*(menu)?config\s|^\s*(endmenu|menu|choice|endchoice|if|endif|source|comment)\b/.test(line)) break;
      let dep = /^\s+depends\s+on\s+(.*)$/.exec(line)?.[1];
      while (dep !== undefined && dep.endsWith('\\') && j + 1 < lines.length)
        dep = `${dep.slice(0, -1)} ${lines[++j].trim()}`;
      if (dep) out.push(dep.replace(/\s+#.*$/, '').trim());
    }
  }
  return out;
}

// Tristate expressions: n=0, m=1, y=2; && is min, || is max, ! is 2-x.
type Token = { kind: 'sym' | 'op' | 'lparen' | 'rparen'; text: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(&&|\|\||!=|=|<=|>=|<|>|!|\(|\)|"[^"]*"|[\w.-]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr)) && m[1] !== undefined) {
    const t = m[1];
    tokens.push({ kind: t === '(' ? 'lparen' : t === ')' ? 'rparen' : /^[\w."-]/.test(t) ? 'sym' : 'op', text: t });
    if (re.lastIndex >= expr.length) break;
  }
  return tokens;
}

function symbolValue(name: string, config: ConfigValues): string {
  if (/^"/.test(name)) return name.slice(1, -1);
  if (['y', 'm', 'n'].includes(name)) return name;
  if (/^-?\d+$|^0x[0-9a-f]+$/i.test(name)) return name;
  return config.get(name) ?? 'n';
}

function tri(value: string): number {
  return value === 'y' ? 2 : value === 'm' ? 1 : 0;
}

/** Evaluates a Kconfig expression against a .config; unknown symbols are n, as in Kconfig. */
export function evaluate(expr: string, config: ConfigValues): number {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos]?.text;
  const or = (): number => {
    let v = and();
    while (peek() === '||') {
      pos++;
      v = Math.max(v, and());
    }
    return v;
  };
  const and = (): number => {
    let v = unary();
    while (peek() === '&&') {
      pos++;
      v = Math.min(v, unary());
    }
    return v;
  };
  const unary = (): number => {
    if (peek() === '!') {
      pos++;
      return 2 - unary();
    }
    if (peek() === '(') {
      pos++;
      const v = or();
      pos++;
      return v;
    }
    const left = tokens[pos++]?.text ?? 'n';
    const op = peek();
    if (op && ['=', '!=', '<', '>', '<=', '>='].includes(op)) {
      pos++;
      return compare(symbolValue(left, config), op, symbolValue(tokens[pos++]?.text ?? 'n', config)) ? 2 : 0;
    }
    return tri(symbolValue(left, config));
  };
  return or();
}

function compare(a: string, op: string, b: string): boolean {
  const numeric = /^-?\d+$|^0x/i.test(a) && /^-?\d+$|^0x/i.test(b);
  const [x, y] = numeric ? [Number(a), Number(b)] : [a, b];
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    default:
      return x >= y;
  }
}

/** Top-level && parts of EXPR that are false, each with its symbols' values: "X86_MCE (n)". */
export function unmetConjuncts(expr: string, config: ConfigValues): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(') depth++;
    else if (expr[i] === ')') depth--;
    else if (depth === 0 && expr.startsWith('&&', i)) {
      parts.push(expr.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(expr.slice(start));
  return parts
    .map((p) => p.trim())
    .filter((p) => p && evaluate(p, config) === 0)
    .map((p) => {
      const symbols = [
        ...new Set(
          tokenize(p)
            .filter((t) => t.kind === 'sym' && /^[A-Z_][A-Z0-9_]*$/.test(t.text))
            .map((t) => t.text),
        ),
      ];
      return `${p} (${symbols.map((s) => `${s}=${config.get(s) ?? 'n'}`).join(' ')})`;
    });
}
