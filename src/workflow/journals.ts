// The journal workflow: which journals a directory holds and how each run
// went, or one journal in full. Reads files only; never connects.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VmfixError } from '../errors.js';
import { loadJournal } from '../remedy/files.js';
import type { Journal } from '../remedy/schema.js';
import { statusOf, type JournalSummary } from '../report/journal.js';
import type { CommandOutcome } from './context.js';

const JOURNAL_KIND = /^\s*\{\s*"schemaVersion"\s*:\s*1\s*,\s*"kind"\s*:\s*"vmfix-journal"/;

/** Larger files are not journals vmfix wrote (a journal holds a few specs per change). */
const MAX_BYTES = 64 * 2 ** 20;

function summary(file: string, journal: Journal | undefined, problem: string | null): Omit<JournalSummary, 'rolledBackBy'> {
  const count = (status: string) => journal?.entries.filter((e) => e.status === status).length ?? 0;
  return {
    file,
    command: journal?.command ?? null,
    startedAt: journal?.startedAt ?? null,
    finishedAt: journal?.finishedAt ?? null,
    user: journal?.preparedBy?.user ?? null,
    endpoint: journal?.endpoint.host ?? null,
    changeId: journal?.request?.changeId ?? null,
    plan: journal?.plan?.file ?? null,
    changes: { applied: count('applied'), failed: count('failed'), pending: count('pending') },
    rollbackOf: journal?.rollbackOf ?? null,
    problem,
  };
}

/** A file that says it is a vmfix journal, as read: valid, or with what is wrong with it. */
async function readOne(dir: string, file: string): Promise<Omit<JournalSummary, 'rolledBackBy'> | undefined> {
  const path = join(dir, file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_BYTES) return undefined;
  const text = await readFile(path, 'utf8');
  let kind: unknown;
  try {
    kind = (JSON.parse(text) as { kind?: unknown } | null)?.kind;
  } catch {
    // Cut off or damaged, but still saying what it is (vmfix writes `kind` first): a record of changes
    // that can no longer be rolled back must show up in the list, with its problem.
    kind = JOURNAL_KIND.test(text.slice(0, 200)) ? 'vmfix-journal' : undefined;
  }
  if (kind !== 'vmfix-journal') return undefined;
  try {
    return summary(file, await loadJournal(path), null);
  } catch (err) {
    if (!(err instanceof VmfixError)) throw err;
    return summary(file, undefined, err.message.replace(`${path} `, ''));
  }
}

export async function listJournals(dir: string): Promise<CommandOutcome> {
  const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.json')).sort();
  const read = (await Promise.all(files.map((f) => readOne(dir, f)))).filter((j) => j !== undefined);
  const journals = read
    .map((j) => {
      const rolledBackBy = read.filter((r) => r.rollbackOf !== null && (r.rollbackOf === j.file || r.rollbackOf.endsWith(`/${j.file}`))).map((r) => r.file);
      return { ...j, rolledBackBy };
    })
    .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
  return { result: { kind: 'journals', report: { schemaVersion: 1, directory: dir, journals } }, exitCode: 0 };
}

export async function showJournal(path: string): Promise<CommandOutcome> {
  const journal = await loadJournal(path);
  const status = statusOf({ ...summary(path, journal, null), rolledBackBy: [] });
  return { result: { kind: 'journal', report: { schemaVersion: 1, file: path, status, journal } }, exitCode: 0 };
}
