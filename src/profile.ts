// Opt-in phase timings for `npm run bench`: with VMFIX_PROFILE=FILE the CLI
// writes, as it exits, when each phase ran (ms since the process started),
// the peak RSS reached by its end, and the SOAP counters. Without it,
// phase() only runs the work.
import { writeFileSync } from 'node:fs';

interface SoapCounters {
  readonly requests: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly bytesDecoded: number;
}

interface PhaseTiming {
  start: number;
  end: number;
  maxRssKb: number;
}

let enabled = false;
const phases: Record<string, PhaseTiming> = {};
let soap: SoapCounters | undefined;

export function startProfile(file: string | undefined): void {
  if (!file) return;
  enabled = true;
  process.once('exit', () => {
    const maxRssKb = process.resourceUsage().maxRSS;
    writeFileSync(file, `${JSON.stringify({ phases, soap, maxRssKb, exitMs: performance.now() }, null, 2)}\n`);
  });
}

/** Runs `work` as the named phase of the profile. */
export async function phase<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  if (!enabled) return work();
  const start = performance.now();
  try {
    return await work();
  } finally {
    phases[name] = { start, end: performance.now(), maxRssKb: process.resourceUsage().maxRSS };
  }
}

/** The session's live SOAP counters, written with the profile. */
export function profileSoap(counters: SoapCounters): void {
  soap = counters;
}
