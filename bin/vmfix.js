#!/usr/bin/env node
// dist/bundle (npm run build) is dist/cli bundled, which starts ~80 ms
// sooner; a `tsc`-only build leaves it older than dist/cli, and dist/cli runs.
import { statSync } from 'node:fs';

const built = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled = built('../dist/bundle/main.js') >= built('../dist/cli/main.js');
const { run } = await import(bundled ? '../dist/bundle/main.js' : '../dist/cli/main.js');

run();
