#!/usr/bin/env node
// CommonJS (bin/package.json), not ESM like the rest: node starts its ESM
// loader only when something is imported, which `vmfix --help` and
// `--version` never need (~8 ms of their ~90; bench/analysis.md).
//
// dist/bundle (npm run build) is dist/cli bundled, which starts ~80 ms
// sooner; a `tsc`-only build leaves it older than dist/cli, and dist/cli runs.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

// V8 lets the old generation grow to ~4x what survived the last full GC
// before collecting again. vmfix keeps ~50 MB alive while tens of MB of
// SOAP pages pass through, so at 10,000 VMs that heuristic alone took peak
// RSS from ~230 to ~320 MB. Growing by 2x instead costs no measurable CPU
// (bench/analysis.md). V8 reads the flag at each GC, so setting it here,
// before anything is allocated, is enough; no NODE_OPTIONS needed.
require('node:v8').setFlagsFromString('--heap-growing-percent=100');

const built = (path) => statSync(join(__dirname, path), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = built('../dist/bundle/main.js') >= built('../dist/cli/main.js');

/**
 * `vmfix --version` and `vmfix --help` alone, answered before the CLI and
 * yargs load (~50 ms, as long as node's own start): the help as the bundle's
 * yargs laid it out at build time for each width (scripts/bundle.js), when
 * that is what the bundle would print now. Undefined: the CLI answers.
 */
function answer(args) {
  if (args.length !== 1) return undefined;
  if (args[0] === '--version') return `${JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version}\n`;
  if ((args[0] !== '--help' && args[0] !== '-h') || !bundled || built('../dist/bundle/help.json') < built('../dist/bundle/main.js')) return undefined;
  const help = JSON.parse(readFileSync(join(__dirname, '../dist/bundle/help.json'), 'utf8'));
  return help.texts[Math.min(help.max, process.stdout.columns || help.piped)];
}

const text = answer(process.argv.slice(2));
if (text !== undefined) {
  // As the CLI does (src/cli/main.ts): a reader gone (| head) ends it quietly; a full disk is said, exit 2.
  process.stdout.on('error', () => undefined);
  process.stdout.write(text, (err) => {
    if (!err || err.code === 'EPIPE') return;
    process.stderr.write(`vmfix: The output could not be written to stdout (${err.code === 'ENOSPC' ? 'ENOSPC: no space left on the device' : err.code ?? err.message}).\n`);
    process.exitCode = 2;
  });
} else {
  const { pathToFileURL } = require('node:url');
  import(pathToFileURL(join(__dirname, bundled ? '../dist/bundle/main.js' : '../dist/cli/main.js')).href).then((cli) => cli.run());
}
