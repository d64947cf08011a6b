// Before apply or rollback changes anything: every object must still be as
// the plan or journal recorded it. One drifted object refuses the whole run,
// so a half-applied plan never results from a stale one.
import { DriftError, UsageError } from '../errors.js';
import type { Change } from '../remedy/schema.js';
import type { Finding } from '../audit/finding.js';
import { macsTaken, manualMacSet, nicsMoved, openedFor } from '../remedy/premise.js';
import { readCurrent, readMacOwners, readVmPlaces } from '../remedy/read.js';
import { changeLines } from '../report/diff.js';
import { drift, leftOn, notReady } from '../remedy/write.js';
import type { VimClient } from '../vsphere/client.js';
import type { Context } from './context.js';

/** `findings`: those a plan's changes are for (apply), whose NICs must still be where they were found. */
export async function preflight(client: VimClient, changes: readonly Change[], findings: readonly Finding[] = []): Promise<void> {
  const drifted: string[] = [];
  const waiting: string[] = [];
  for (const [i, change] of changes.entries()) {
    // A NIC that moves to a portgroup this run creates is checked when it moves.
    const current = await readCurrent(client, change);
    // Someone else's NIC on a portgroup this run removes: found now, not after the NICs before it were moved back.
    const others = leftOn(change, changes.slice(0, i), current);
    const changed = drift(change, current, { written: new Map() }) ?? (others.length ? `${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} connected to it now, not moved off by this run` : null);
    if (changed) drifted.push(`${change.id} ${change.path}: ${changed}`);
    const early = changed ? null : notReady(change, current);
    if (early) waiting.push(early);
  }
  drifted.push(...(await premisesBroken(client, changes, findings)));
  if (drifted.length) {
    throw new DriftError(`Refusing: ${drifted.length} object(s) changed since this was recorded, so nothing was applied. ${drifted.join('; ')}.`);
  }
  if (waiting.length) throw new DriftError(`Not yet, so nothing was applied: ${waiting.join('; ')}. Power it off, then run the same command again.`);
}

/**
 * What the changes rest on beyond their own objects, broken now, in words: the NICs they open a policy
 * for are no longer there, or another NIC has the MAC a change pins (see remedy/premise.ts). Checked
 * before the changes are shown and again after the yes: the person may have read them for a while.
 */
export async function premisesBroken(client: VimClient, changes: readonly Change[], findings: readonly Finding[]): Promise<string[]> {
  const broken = await nicsLeft(client, changes, findings);
  if (changes.some(manualMacSet)) broken.push(...macsTaken(changes, await readMacOwners(client)));
  return broken;
}

/**
 * After the yes at a terminal: premisesBroken again, for the person may have read the changes for a
 * while (each object's own drift is checked as it is written). `what`: "applied", "rolled back".
 */
export async function premisesHoldAfterYes(client: VimClient, changes: readonly Change[], findings: readonly Finding[], what: string): Promise<void> {
  const broken = await premisesBroken(client, changes, findings);
  if (broken.length) throw new DriftError(`Refusing: ${broken.length} object(s) changed while the changes were shown, so nothing was ${what}. ${broken.join('; ')}.`);
}

/** The NICs of `findings` that `changes` open a policy for but that are no longer there, in words (see remedy/premise.ts). */
export async function nicsLeft(client: VimClient, changes: readonly Change[], findings: readonly Finding[]): Promise<string[]> {
  const opened = openedFor(findings, changes);
  if (!opened.length) return [];
  return nicsMoved(findings, changes, await readVmPlaces(client, opened.map((f) => f.finding.vm!.moref!)));
}

/** The plan or journal must be for the vCenter we are connected to. */
export function sameEndpoint(recorded: { host: string; instanceUuid: string | null }, about: { instanceUuid?: string }, display: string): void {
  const byUuid = Boolean(recorded.instanceUuid && about.instanceUuid);
  if (byUuid ? recorded.instanceUuid === about.instanceUuid : recorded.host === display) return;
  // The address alone may be the same (a rebuilt or restored vCenter, a DNS name that moved): then say what differs.
  const what =
    byUuid && recorded.host === display
      ? `the vCenter with instance UUID ${recorded.instanceUuid}, but ${display} now answers as instance ${about.instanceUuid} (another vCenter at the same address)`
      : `${recorded.host}, not ${display}`;
  throw new UsageError(`This was recorded against ${what}; connect to that vCenter.`);
}

/** Shows the changes and asks, unless --yes; refuses without a terminal. */
export async function approve(ctx: Context, yes: boolean | undefined, changes: readonly Change[]): Promise<boolean> {
  if (yes) return true;
  if (!ctx.ui.interactive) throw new UsageError('Not on a terminal: nothing changes without --yes.');
  ctx.ui.say('This is exactly what would change:');
  for (const c of changes) for (const line of changeLines(c)) ctx.ui.say(`  ${line}`);
  return ctx.ui.confirm(`Apply ${changes.length} change(s)?`, false);
}
