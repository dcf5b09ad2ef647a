// `flavor inspect --show-deps / --dependency-tree`: the distributions recorded at pack time in the signed
// metadata (python.dependency_tree, see src/python/dist-info.ts), as a flat list or as the tree of which
// requires which (roots: what nothing else requires, the app first).

export interface RecordedDistribution {
  name: string;
  version: string;
  license: string | null;
  requires: string[];
  slot: string;
}

export interface TreeNode {
  name: string;
  version: string;
  license: string | null;
  requires: TreeNode[];
  /** Set when this node was shown higher up already (a cycle or a shared dependency). */
  seen?: true;
}

const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The recorded list, or undefined when the package carries none. */
export function recordedDistributions(metadata: Record<string, unknown>): RecordedDistribution[] | undefined {
  const python = metadata.python as Record<string, unknown> | undefined;
  const list = python?.dependency_tree;
  if (!Array.isArray(list)) return undefined;
  return list.filter(
    (d): d is RecordedDistribution =>
      typeof d === 'object' && d !== null && typeof d.name === 'string' && Array.isArray(d.requires),
  );
}

export function dependencyTree(dists: RecordedDistribution[]): TreeNode[] {
  const byName = new Map(dists.map((d) => [normalize(d.name), d]));
  const required = new Set(dists.flatMap((d) => d.requires.map(normalize)));
  const roots = dists
    .filter((d) => !required.has(normalize(d.name)))
    .sort((a, b) => Number(b.slot === 'app') - Number(a.slot === 'app'));
  const shown = new Set<string>();
  const node = (d: RecordedDistribution, path: Set<string>): TreeNode => {
    const key = normalize(d.name);
    const base = { name: d.name, version: d.version, license: d.license };
    if (path.has(key) || shown.has(key)) return { ...base, requires: [], seen: true };
    shown.add(key);
    const next = new Set([...path, key]);
    const children = d.requires.flatMap((r) => {
      const child = byName.get(normalize(r));
      return child ? [node(child, next)] : [];
    });
    return { ...base, requires: children };
  };
  const tree = roots.map((d) => node(d, new Set()));
  // Distributions only reachable through a cycle have no root: show them at the top level too.
  for (const d of dists) if (!shown.has(normalize(d.name))) tree.push(node(d, new Set()));
  return tree;
}

export function depsLines(dists: RecordedDistribution[]): string[] {
  const width = Math.max(...dists.map((d) => `${d.name} ${d.version}`.length), 0);
  return [
    `dependencies: ${dists.length}`,
    ...dists.map(
      (d) => `  ${`${d.name} ${d.version}`.padEnd(width)}  ${d.license ?? 'licence unknown'}  [${d.slot}]`,
    ),
  ];
}

export function treeLines(tree: TreeNode[]): string[] {
  const lines: string[] = [];
  const walk = (nodes: TreeNode[], prefix: string) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${n.name} ${n.version}${n.seen ? ' (see above)' : ''}`);
      walk(n.requires, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  for (const root of tree) {
    lines.push(`${root.name} ${root.version}${root.license ? ` (${root.license})` : ''}`);
    walk(root.requires, '');
  }
  return lines;
}
