// The journal workflow: which journals a directory holds and how each run
// went, or one journal in full. Reads files only; never connects.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { VmfixError } from '../errors.js';
import { loadJournal } from '../remedy/files.js';
import type { Journal } from '../remedy/schema.js';
import { statusOf, type JournalSummary } from '../report/journal.js';
import type { CommandOutcome } from './context.js';

const JOURNAL_KIND = /^\s*\{\s*"schemaVersion"\s*:\s*1\s*,\s*"kind"\s*:\s*"vmfix-journal"/;

/** Larger files are not journals vmfix wrote (a journal holds a few specs per change). */
const MAX_BYTES = 64 * 2 ** 20;

type Undid = 'rolledBackBy' | 'madeAgainBy' | 'maybeRolledBackBy' | 'undone' | 'stillInForce' | 'interrupted';
type Summary = Omit<JournalSummary, Undid>;

/** A journal file as read: what the listing shows of it, and the journal itself if it is valid. */
interface Read {
  readonly summary: Summary;
  readonly journal: (Journal & { checksum: string }) | undefined;
  /** A rollback's: the journal it undid, as it names it (a damaged one's, as far as its text says). */
  readonly undid?: { readonly path: string | null; readonly checksum: string | undefined };
}

/** What a damaged journal's text still says it undid, if it says it is a rollback. */
function claimedUndid(text: string): Read['undid'] {
  if (!/"command"\s*:\s*"rollback"/.test(text)) return undefined;
  const field = (name: string) => {
    const m = new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
    try {
      return m ? (JSON.parse(m[1]!) as string) : undefined;
    } catch {
      return undefined;
    }
  };
  return { path: field('rollbackOf') ?? null, checksum: field('rollbackOfChecksum') };
}

function summary(file: string, journal: Journal | undefined, problem: string | null): Summary {
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
    // Planned by a rollback, and in no entry: it stopped before them.
    notAttempted: journal?.planned ? journal.planned.length - journal.entries.length : 0,
    rollbackOf: journal?.rollbackOf ?? null,
    problem,
  };
}

/** A file that says it is a vmfix journal, as read: valid, or with what is wrong with it. */
async function readOne(dir: string, file: string): Promise<Read | undefined> {
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
    const journal = await loadJournal(path);
    const undid = journal.command === 'rollback' ? { path: journal.rollbackOf ?? null, checksum: journal.rollbackOfChecksum } : undefined;
    return { summary: summary(file, journal, null), journal, ...(undid ? { undid } : {}) };
  } catch (err) {
    if (!(err instanceof VmfixError)) throw err;
    const undid = claimedUndid(text);
    return { summary: summary(file, undefined, err.message.replace(`${path} `, '')), journal: undefined, ...(undid ? { undid } : {}) };
  }
}

async function readDir(dir: string): Promise<Read[]> {
  const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.json')).sort();
  return (await Promise.all(files.map((f) => readOne(dir, f)))).filter((j) => j !== undefined);
}

/**
 * Whether a rollback journal in `dir` undid the journal `file` there: by its
 * checksum, which names it even after its folder moved; a rollback from before
 * vmfix recorded that, by the path it was given, from where it was run (where
 * it wrote its journal, by default). Never by the name alone: each change
 * folder has its fix-journal.json, with the same change ids.
 */
function undid(rollback: Read, dir: string, file: string, sum: string | undefined): boolean {
  if (!rollback.undid) return false;
  const { path, checksum } = rollback.undid;
  if (checksum !== undefined) return checksum === sum;
  return path !== null && resolve(dir, path) === resolve(dir, file);
}

interface Undone {
  readonly rollbacks: readonly Read[];
  /** Ids of the journal's changes its rollbacks set out to undo, undid (and were not made again), and left interrupted. */
  readonly planned: ReadonlySet<string>;
  readonly undone: ReadonlySet<string>;
  readonly pending: ReadonlySet<string>;
  /** Rollbacks of its rollbacks that made some of its changes again. */
  readonly madeAgainBy: readonly string[];
  /** Its rollbacks whose journals are damaged: what they undid is not known. */
  readonly damaged: readonly string[];
}

/**
 * What the rollbacks of a journal undid, taken together (a rollback run
 * again after one that stopped undoes the rest), less what a rollback of
 * one of them made again. A rollback from before vmfix recorded its plan
 * names no ids: its entries count, as themselves. `seen`: the journals on
 * the way here, since a rollback tied by path alone may name itself.
 */
function undoneOf(dir: string, file: string, sum: string | undefined, all: readonly Read[], seen: ReadonlySet<string> = new Set([file])): Undone {
  const rollbacks = all.filter((r) => !seen.has(r.summary.file) && undid(r, dir, file, sum));
  const planned = new Set<string>();
  const undone = new Set<string>();
  const pending = new Set<string>();
  const madeAgainBy = new Set<string>();
  const damaged: string[] = [];
  for (const { summary: r, journal } of rollbacks) {
    if (!journal) {
      damaged.push(r.file);
      continue;
    }
    const again = undoneOf(dir, r.file, journal.checksum, all, new Set([...seen, r.file]));
    if (again.undone.size) for (const by of again.rollbacks) madeAgainBy.add(by.summary.file);
    const undoes = new Map((journal.planned ?? journal.entries.map((e, i) => ({ id: e.change.id, undoes: `${r.file}#${i}` }))).map((p) => [p.id, p.undoes]));
    for (const id of undoes.values()) planned.add(id);
    for (const e of journal.entries) {
      const id = undoes.get(e.change.id);
      if (id && e.status === 'applied' && !again.undone.has(e.change.id)) undone.add(id);
      if (id && e.status === 'pending') pending.add(id);
    }
  }
  return { rollbacks: rollbacks.filter((r) => r.journal), planned, undone, pending, madeAgainBy: [...madeAgainBy], damaged };
}

function rolledBack(dir: string, file: string, sum: string | undefined, all: readonly Read[]): Pick<JournalSummary, Undid> {
  const { rollbacks, planned, undone, pending, madeAgainBy, damaged } = undoneOf(dir, file, sum, all);
  const left = (set: ReadonlySet<string>) => [...set].filter((id) => !undone.has(id));
  const own = (id: string) => !id.includes('#');
  return {
    rolledBackBy: rollbacks.map((r) => r.summary.file),
    madeAgainBy,
    maybeRolledBackBy: damaged,
    undone: rollbacks.length ? { count: [...planned].filter((id) => undone.has(id)).length, of: planned.size } : null,
    stillInForce: left(planned).filter((id) => !pending.has(id) && own(id)),
    interrupted: left(pending).filter(own),
  };
}

export async function listJournals(dir: string): Promise<CommandOutcome> {
  const read = await readDir(dir);
  const journals = read
    .map(({ summary: j, journal }) => ({ ...j, ...rolledBack(dir, j.file, journal?.checksum, read) }))
    .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
  return { result: { kind: 'journals', report: { schemaVersion: 1, directory: dir, journals } }, exitCode: 0 };
}

export async function showJournal(path: string): Promise<CommandOutcome> {
  const journal = await loadJournal(path);
  // Its rollbacks are found where the listing finds them: beside it.
  const beside = await readDir(dirname(path)).catch(() => []);
  const status = statusOf({ ...summary(path, journal, null), ...rolledBack(dirname(path), basename(path), journal.checksum, beside) });
  return { result: { kind: 'journal', report: { schemaVersion: 1, file: path, status, journal } }, exitCode: 0 };
}
