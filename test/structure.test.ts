// The layout is the architecture: no import cycle between files, and none
// between folders (src/vsphere imports nothing of ours; workflows sit above
// audit, remedy and report; only src/cli knows about yargs and the
// terminal). Type-only and dynamic imports count: a cycle through them is
// still two modules that cannot be understood one without the other.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** file (relative to src) -> the files of ours it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const ours = importedFiles
      .map((i) => i.fileName)
      .filter((name) => name.startsWith('.') && !name.endsWith('.json'))
      .map((name) => relative(SRC, resolve(dirname(file), name.replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, file), [...new Set(ours)]);
  }
  return graph;
}

/** Every cycle's members, as found by a depth-first search. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '(top)');

describe('the import graph of src', () => {
  const graph = importGraph();

  it('resolves every import to a file of src', () => {
    const missing = [...graph].flatMap(([file, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${file} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(cycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const folders = new Map<string, string[]>();
    for (const [file, deps] of graph) {
      const from = folderOf(file);
      const to = deps.map(folderOf).filter((f) => f !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    expect(cycles(folders).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('keeps the vSphere client free of the rest, and the terminal in src/cli', () => {
    const vsphere = [...graph].filter(([file]) => file.startsWith('vsphere/')).flatMap(([, deps]) => deps.filter((d) => !d.startsWith('vsphere/')));
    expect(vsphere).toEqual([]);
    const terminal = [...graph.keys()].filter((file) => !file.startsWith('cli/') && /from '(yargs|ora|@inquirer\/prompts)'/.test(readFileSync(join(SRC, file), 'utf8')));
    expect(terminal).toEqual([]);
  });
});

describe('the security policy of a standard vSwitch or portgroup', () => {
  // Which level sets MAC changes, and who inherits them, has one home (inventory/policy.ts): a second
  // spelling elsewhere (apply's re-read of a host was one) drifts from it the day the rule changes.
  // The code alone: a field's name in a string ('policy.security.macChanges', the field a change sets) or a comment is no read.
  const code = (file: string) =>
    readFileSync(join(SRC, file), 'utf8')
      .replace(/'[^'\n]*'|`[^`]*`/g, "''")
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
  it('is read only in inventory/policy.ts', () => {
    const readers = [...importGraph().keys()].filter(
      (file) => file !== 'inventory/policy.ts' && /policy\??\.security\??\.(macChanges|forgedTransmits|allowPromiscuous|\[)/.test(code(file)),
    );
    expect(readers).toEqual([]);
  });
});
