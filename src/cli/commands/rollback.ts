// vmfix rollback JOURNAL: put back the values a fix/apply run recorded.
import { loadJournal } from '../../remedy/files.js';
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { rollbackJournal, type RollbackOptions } from '../../workflow/rollback.js';
import { withSession } from '../connect.js';
import type { Covers, RollbackArgs } from '../options.js';

export async function rollback(args: RollbackArgs, ctx: Context): Promise<CommandOutcome> {
  // Read first: a damaged or edited journal costs no login.
  const recorded = await loadJournal(args.journalFile);
  const options: Covers<RollbackArgs, RollbackOptions> = args;
  return withSession(args, ctx, (client, endpoint) => rollbackJournal(client, endpoint, recorded, args.journalFile, options, ctx));
}
