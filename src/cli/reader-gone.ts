// A pipe's reader going away (`vmfix watch | head -5`) shows in Node only as
// the next write's EPIPE, and watch may write nothing for days: the pipeline
// would hang, and the vCenter session and its collectors with it. Node cannot
// poll a write-only pipe for that; GNU tail (coreutils 8.28+) does it for its
// own `tail -f`. A `tail -f` sharing our stdout dies of SIGPIPE as the reader
// goes, and `--pid` ends it within a second of us however we end. Where tail
// cannot (none, BSD or BusyBox: it exits at once, or never by SIGPIPE), the
// next write's EPIPE still ends the run.
import { spawn } from 'node:child_process';
import { fstatSync } from 'node:fs';

/** Calls `gone` once stdout's pipe has no reader left; returns a function that stops looking. */
export function onReaderGone(gone: () => void): () => void {
  if (process.platform === 'win32' || !fstatSync(1).isFIFO()) return () => undefined;
  const tail = spawn('tail', ['-f', `--pid=${process.pid}`, '/dev/null'], { stdio: ['ignore', 1, 'ignore'] });
  tail.on('error', () => undefined);
  tail.on('exit', (_code, signal) => {
    if (signal === 'SIGPIPE') gone();
  });
  tail.unref();
  // It holds our stdout open: a reader waiting for its end must not wait for tail's --pid check.
  const stop = () => void tail.kill();
  process.once('exit', stop);
  return () => {
    process.off('exit', stop);
    stop();
  };
}
