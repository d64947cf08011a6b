// vmfix journal [FILE]: the journals in the current directory (what, when,
// who, status), or one in full. Reads files; never connects.
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { listJournals, showJournal } from '../../workflow/journals.js';
import type { JournalArgs } from '../options.js';

export async function journal(args: JournalArgs, _ctx: Context): Promise<CommandOutcome> {
  return args.file ? showJournal(args.file) : listJournals(process.cwd());
}
