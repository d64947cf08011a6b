#!/usr/bin/env node
// dist/bundle (npm run build) is dist/cli bundled, which starts ~80 ms
// sooner; a `tsc`-only build leaves it older than dist/cli, and dist/cli runs.
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// V8 lets the old generation grow to ~4x what survived the last full GC
// before collecting again. vmfix keeps ~50 MB alive while tens of MB of
// SOAP pages pass through, so at 10,000 VMs that heuristic alone took peak
// RSS from ~230 to ~320 MB. Growing by 2x instead costs no measurable CPU
// (bench/analysis.md). V8 reads the flag at each GC, so setting it here,
// before anything is allocated, is enough; no NODE_OPTIONS needed.
setFlagsFromString('--heap-growing-percent=100');

const built = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = built('../dist/bundle/main.js') >= built('../dist/cli/main.js');
const { run } = await import(bundled ? '../dist/bundle/main.js' : '../dist/cli/main.js');

run();
