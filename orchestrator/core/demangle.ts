// Readable names for the mangled symbols of Rust (v0) and C++ frames, without their parameters,
// as syzkaller titles them: "_RNvMs3_NtCs1_11rust_binder7processNtB5_7Process10update_ref" ->
// "<rust_binder::process::Process>::update_ref". A name it cannot read comes back unchanged.

/** Rust v0 (rust-lang RFC 2603): paths, impls, backrefs and the common types. */
class RustNames {
  private at = 0;

  constructor(private readonly text: string) {}

  path(): string {
    const tag = this.text[this.at++];
    if (tag === 'C') return this.identifier();
    if (tag === 'N') return this.nested();
    if (tag === 'M') return this.disambiguated(() => `<${this.type()}>`);
    if (tag === 'X') return this.disambiguated(() => `<${this.type()} as ${this.path()}>`);
    if (tag === 'Y') return `<${this.type()} as ${this.path()}>`;
    if (tag === 'I') return this.generic();
    if (tag === 'B') return this.backref(() => this.path());
    throw new Error(`unknown path ${tag}`);
  }

  private nested(): string {
    const namespace = this.text[this.at++];
    const parent = this.path();
    const disambiguator = this.disambiguator();
    const name = this.name();
    if (/[a-z]/.test(namespace)) return `${parent}::${name}`;
    const kind = namespace === 'C' ? 'closure' : namespace === 'S' ? 'shim' : namespace;
    return `${parent}::{${kind}${name ? `:${name}` : ''}#${disambiguator}}`;
  }

  private generic(): string {
    const path = this.path();
    while (this.text[this.at] !== 'E') {
      if (this.text[this.at] === 'L') {
        this.at++;
        this.base62();
      } else this.type();
    }
    this.at++;
    return path;
  }

  type(): string {
    const tag = this.text[this.at];
    const basic = BASIC_TYPES[tag];
    if (basic) return (this.at++, basic);
    if (tag === 'R' || tag === 'Q') return this.reference(tag === 'Q' ? '&mut ' : '&');
    if (tag === 'P' || tag === 'O') return (this.at++, `*${tag === 'P' ? 'const' : 'mut'} ${this.type()}`);
    if (tag === 'S') return (this.at++, `[${this.type()}]`);
    if (tag === 'T') return this.tuple();
    if (tag === 'B') return (this.at++, this.backref(() => this.type()));
    return this.path();
  }

  private reference(sigil: string): string {
    this.at++;
    if (this.text[this.at] === 'L') {
      this.at++;
      this.base62();
    }
    return `${sigil}${this.type()}`;
  }

  private tuple(): string {
    this.at++;
    const types: string[] = [];
    while (this.text[this.at] !== 'E') types.push(this.type());
    this.at++;
    return `(${types.join(', ')}${types.length === 1 ? ',' : ''})`;
  }

  private disambiguated(read: () => string): string {
    this.disambiguator();
    this.path();
    return read();
  }

  private disambiguator(): number {
    if (this.text[this.at] !== 's') return 0;
    this.at++;
    return this.base62() + 1;
  }

  private identifier(): string {
    this.disambiguator();
    return this.name();
  }

  private name(): string {
    if (this.text[this.at] === 'u') this.at++;
    const digits = /^\d+/.exec(this.text.slice(this.at))?.[0];
    if (!digits) throw new Error('no identifier');
    this.at += digits.length;
    if (this.text[this.at] === '_') this.at++;
    const name = this.text.slice(this.at, this.at + Number(digits));
    this.at += name.length;
    return name;
  }

  private base62(): number {
    const end = this.text.indexOf('_', this.at);
    if (end < 0) throw new Error('unterminated number');
    const digits = this.text.slice(this.at, end);
    this.at = end + 1;
    if (!digits) return 0;
    return [...digits].reduce((n, d) => n * 62 + BASE62.indexOf(d), 0) + 1;
  }

  private backref<T>(read: () => T): T {
    const target = this.base62();
    const resume = this.at;
    this.at = target;
    const value = read();
    this.at = resume;
    return value;
  }
}

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const BASIC_TYPES: Record<string, string> = {
  a: 'i8',
  b: 'bool',
  c: 'char',
  d: 'f64',
  e: 'str',
  f: 'f32',
  h: 'u8',
  i: 'isize',
  j: 'usize',
  l: 'i32',
  m: 'u32',
  n: 'i128',
  o: 'u128',
  p: '_',
  s: 'i16',
  t: 'u16',
  u: '()',
  v: '...',
  x: 'i64',
  y: 'u64',
  z: '!',
};

/** C++ and legacy Rust: "_Z8fakeNameiii" -> "fakeName",
 *  "_ZN4core3ptr4read17h0123456789abcdefE" -> "core::ptr::read". */
function itanium(name: string): string {
  const nested = name.startsWith('_ZN');
  const parts: string[] = [];
  for (let at = nested ? 3 : 2; ;) {
    const digits = /^\d+/.exec(name.slice(at))?.[0];
    if (!digits) break;
    parts.push(name.slice(at + digits.length, at + digits.length + Number(digits)));
    at += digits.length + Number(digits);
    if (!nested) break;
  }
  if (nested && /^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts.length ? parts.join('::') : name;
}

export function demangle(name: string): string {
  if (name.startsWith('_Z')) return itanium(name);
  if (!name.startsWith('_R')) return name;
  try {
    return new RustNames(name.slice(2)).path();
  } catch {
    return name;
  }
}
