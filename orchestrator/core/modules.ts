// Which kernel modules to load, in which order, from depmod's modules.dep and modules.builtin.

export type ModuleDeps = Map<string, string[]>;

/** "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko ..." → path → dependency paths. */
export function parseModulesDep(text: string): ModuleDeps {
  const deps: ModuleDeps = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const rest = line.slice(colon + 1).trim();
    deps.set(line.slice(0, colon).trim(), rest ? rest.split(/\s+/) : []);
  }
  return deps;
}

/** Module name as modprobe spells it: basename, no .ko(.xz|.zst|.gz), dashes as underscores. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

export interface ModulePlan {
  /** Paths relative to /lib/modules/RELEASE, dependencies before dependents. */
  load: string[];
  builtin: string[];
  missing: string[];
}

export function planModules(deps: ModuleDeps, builtinText: string, wanted: string[]): ModulePlan {
  const byName = new Map([...deps.keys()].map((path) => [moduleName(path), path]));
  const builtinNames = new Set(builtinText.split('\n').filter(Boolean).map(moduleName));
  const plan: ModulePlan = { load: [], builtin: [], missing: [] };
  const visited = new Set<string>();
  const visit = (path: string) => {
    if (visited.has(path)) return;
    visited.add(path);
    for (const dep of deps.get(path) ?? []) visit(dep);
    plan.load.push(path);
  };
  for (const name of wanted.map(moduleName)) {
    const path = byName.get(name);
    if (path) visit(path);
    else if (builtinNames.has(name)) plan.builtin.push(name);
    else plan.missing.push(name);
  }
  return plan;
}

/** Splits a plan's load order into the modules `early` needs (and their deps) and the rest. */
export function splitPlan(deps: ModuleDeps, load: string[], early: string[]): [string[], string[]] {
  const earlyNames = new Set(early.map(moduleName));
  const needed = new Set<string>();
  const mark = (path: string) => {
    if (needed.has(path)) return;
    needed.add(path);
    for (const dep of deps.get(path) ?? []) mark(dep);
  };
  load.filter((path) => earlyNames.has(moduleName(path))).forEach(mark);
  return [load.filter((p) => needed.has(p)), load.filter((p) => !needed.has(p))];
}

/** Groups modules that share dependencies into lanes; lanes can be loaded in parallel. */
export function lanes(deps: ModuleDeps, load: string[]): number[] {
  const parent = new Map(load.map((p) => [p, p]));
  const find = (p: string): string => {
    const up = parent.get(p)!;
    if (up === p) return p;
    const root = find(up);
    parent.set(p, root);
    return root;
  };
  for (const path of load) {
    for (const dep of deps.get(path) ?? []) if (parent.has(dep)) parent.set(find(dep), find(path));
  }
  const ids = new Map<string, number>();
  return load.map((path) => {
    const root = find(path);
    if (!ids.has(root)) ids.set(root, ids.size);
    return ids.get(root)!;
  });
}

/** "LANE PATH" lines in load order, the format the guest's init scripts read. */
export function laneList(deps: ModuleDeps, load: string[]): string {
  const lane = lanes(deps, load);
  return load.map((path, i) => `${lane[i]} ${path}\n`).join('');
}

/**
 * Modules the guest should have without loading them: those a build installed from the tree's
 * external directories (updates/, such as nfit_test), with their dependencies, less LOADED.
 */
export function carried(deps: ModuleDeps, loaded: string[]): string[] {
  const out: string[] = [];
  const seen = new Set(loaded);
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const dep of deps.get(path) ?? []) visit(dep);
    out.push(path);
  };
  [...deps.keys()].filter((p) => p.startsWith('updates/')).forEach(visit);
  return out;
}
