#!/usr/bin/env node
// `npm run build`'s second step: dist/cli/main.js (tsc's output) and what it
// imports, yargs included, bundled into dist/bundle. Node loads a few dozen
// files ~80 ms faster than the ~150 modules they come from, which is most of
// what `vmfix --help` and the start of every command wait for. Commands stay
// separate chunks, imported only when they run. bin/vmfix.js uses the bundle
// only while it is newer than dist/cli, so a plain `tsc` build still runs.
//
// Several test runs may build at once while others run vmfix: chunks are
// named by their content and never overwritten, and main.js, which names
// them, is renamed into place, then help.json. Chunks no build has named for
// an hour go.
//
// help.json is `vmfix --help` as this bundle prints it, laid out for every
// width it may be printed at: bin/vmfix.js answers --help from it without
// loading yargs, which was ~40 % of the run.
import { mkdir, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bundle'); // as deep as dist/cli: main's ../../package.json still resolves
const KEEP_UNUSED_MS = 60 * 60 * 1000;

/**
 * What `vmfix --help` spent a third of its time on after node itself:
 * yargs's help layout (cliui) measures every line with string-width 7,
 * which runs an ICU grapheme segmenter and a 60 KB emoji regex over plain
 * ASCII. string-width 8 (ora's, already in the bundle, same function) sees
 * ASCII and returns its length; cliui gets that one, and its segmenter
 * (~10 ms to make) is made the first time a line is not ASCII.
 */
const STRING_WIDTH = join(ROOT, 'node_modules', 'string-width', 'index.js');
const helpLayout = {
  name: 'vmfix-help-layout',
  resolveId(source, importer) {
    if (source === 'string-width' && importer?.includes(`${join('node_modules', 'cliui')}/`)) return STRING_WIDTH;
    return null;
  },
  transform(code, id) {
    if (id !== STRING_WIDTH) return null;
    const eager = 'const segmenter = new Intl.Segmenter();';
    const use = 'segmenter.segment(string)';
    if (code.split(eager).length !== 2 || code.split(use).length !== 2) {
      throw new Error(`string-width changed: ${eager} / ${use} not found once in ${id}; look at scripts/bundle.js`);
    }
    return code.replace(eager, 'let segmenter;').replace(use, '(segmenter ??= new Intl.Segmenter()).segment(string)');
  },
};

const bundle = await rolldown({ input: join(ROOT, 'dist', 'cli', 'main.js'), platform: 'node', logLevel: 'warn', plugins: [helpLayout] });
const { output } = await bundle.generate({ format: 'esm', entryFileNames: 'main.js', chunkFileNames: '[name]-[hash].js' });
await bundle.close();

await mkdir(OUT, { recursive: true });
const entry = output.find((file) => file.type === 'chunk' && file.isEntry);
const now = new Date();
for (const file of output) {
  if (file === entry) continue;
  const path = join(OUT, file.fileName);
  // A chunk's mtime is when a build last named it, so the sweep below spares
  // what a vmfix started by that build may still import.
  if (existsSync(path)) await utimes(path, now, now);
  else await writeFile(path, file.type === 'chunk' ? file.code : file.source);
}
const partial = join(OUT, `.main.js.${process.pid}`);
await writeFile(partial, entry.code);
await rename(partial, join(OUT, 'main.js'));

const { helpText, HELP_WIDTH } = await import(pathToFileURL(join(OUT, 'main.js')).href);
const texts = {};
for (let width = HELP_WIDTH.min; width <= HELP_WIDTH.max; width++) texts[width] = `${await helpText(width)}\n`;
const help = join(OUT, `.help.json.${process.pid}`);
await writeFile(help, JSON.stringify({ ...HELP_WIDTH, texts }));
await rename(help, join(OUT, 'help.json'));

const named = new Set([...output.map((file) => file.fileName), 'help.json']);
for (const name of await readdir(OUT)) {
  const path = join(OUT, name);
  if (!named.has(name) && !name.startsWith('.') && Date.now() - (await stat(path)).mtimeMs > KEEP_UNUSED_MS) await unlink(path).catch(() => {});
}
