// What plans and journals hold, as zod schemas, and the types derived from
// them: a change to one vCenter object (Target, Change), a plan of changes,
// and a journal of what was written. Files are checked against these when
// read (files.ts), so the types and the checks cannot drift apart.
import { z } from 'zod';
import { STRATEGIES, type Finding } from '../audit/finding.js';

export const ACTIONS = [
  'UpdatePortGroup',        // standard portgroup spec, full replacement
  'UpdateVirtualSwitch',    // standard vSwitch spec, full replacement
  'AddPortGroup',           // a new standard portgroup (dedicated-portgroup)
  'RemovePortGroup',        // rolling an AddPortGroup back
  'ReconfigureDVPortgroup', // dvPortgroup, a delta carrying configVersion
  'CreateDVPortgroup',      // a new dvPortgroup (dedicated-portgroup)
  'DestroyDVPortgroup',     // rolling a CreateDVPortgroup back
  'EditNic',                // ReconfigVM_Task editing one ethernet card
] as const;
export type Action = (typeof ACTIONS)[number];

const moRef = z.object({ type: z.string().min(1), value: z.string().min(1) });
/** A host and its HostNetworkSystem, which UpdatePortGroup & co. are called on. */
const hostRef = z.object({ name: z.string(), moref: z.string().min(1), networkSystem: moRef });
const dvsRef = z.object({ name: z.string(), moref: z.string().min(1), type: z.string().min(1), uuid: z.string().min(1) });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const target = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HostPortGroup'), host: hostRef, portgroup: z.string().min(1) }),
  z.object({ type: z.literal('HostVirtualSwitch'), host: hostRef, vswitch: z.string().min(1) }),
  z.object({ type: z.literal('DistributedVirtualPortgroup'), dvs: dvsRef, portgroup: z.object({ name: z.string().min(1), moref: z.string(), key: z.string() }) }),
  z.object({ type: z.literal('VirtualEthernetCard'), vm: z.object({ name: z.string(), moref: z.string().min(1) }), nicKey: z.number().int(), label: z.string() }),
]);

const changeSummary = z.object({
  /** c1, c2, … in the order they apply. */
  id: z.string().min(1),
  action: z.enum(ACTIONS),
  strategy: z.enum(STRATEGIES),
  /** The findings this change addresses. */
  findings: z.array(z.string()),
  target,
  /** Where it is, as the vSphere Client shows it: vCenter / datacenter / host / switch / portgroup. */
  path: z.string(),
  /** The one field that changes, e.g. policy.security.macChanges. */
  field: z.string(),
  /** The field's value now and after, for people. */
  from: z.string(),
  to: z.string(),
  /** sha256 of the object's state as planned (see stateOf): apply refuses if it no longer matches. */
  fingerprint: sha256,
  /** VMs whose traffic the change affects (newly allowed, moved, or re-addressed). */
  vms: z.array(z.string()),
  /** Changes that must apply first (a NIC move needs its portgroup). */
  dependsOn: z.array(z.string()),
  /**
   * A dedicated portgroup: the one on the same host or switch it copies (a dvPortgroup by moref too),
   * which must still be as it was copied when it is made (absent in plans of vmfix 0.1).
   */
  copyOf: z.object({ name: z.string().min(1), moref: z.string().min(1).optional() }).optional(),
  /**
   * vswitch-accept: the portgroups on the vSwitch that inherited its MAC changes when planned, which
   * it opens (`vms` are theirs); one more inheriting by then would be opened unannounced (absent in older plans).
   */
  opens: z.array(z.string()).optional(),
});

const change = changeSummary.extend({
  /** The full spec as read (null: the object does not exist yet). */
  before: z.unknown(),
  /** The full spec to send (exactly one field differs from `before`). */
  after: z.unknown(),
});

const endpoint = z.object({ host: z.string().min(1), instanceUuid: z.string().nullable() });
const skipped = z.object({ finding: z.string(), vm: z.string().nullable(), reason: z.string() });
/** Who ran vmfix (the vCenter user of the session, never a password) and which vmfix; absent in files of vmfix 0.1. */
const preparedBy = z.object({ user: z.string(), vmfixVersion: z.string() });
/** The change request's own words, carried as given: --change-id, --requester, --window. */
const request = z.object({ changeId: z.string().optional(), requester: z.string().optional(), window: z.string().optional() });

export const planFile = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('vmfix-plan'),
  createdAt: z.string(),
  endpoint: endpoint.extend({ apiVersion: z.string() }),
  changes: z.array(change),
  skipped: z.array(skipped),
  /**
   * The findings the plan addresses, as the audit reported them (carried, not re-checked beyond
   * their id, by which apply's report finds them once the changes applied).
   */
  findings: z.array(z.custom<Finding>((v) => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string', 'not a finding with an id')),
  preparedBy: preparedBy.optional(),
  request: request.optional(),
  checksum: sha256,
});

const journalEntry = z.object({
  change: changeSummary,
  /** pending: written, or maybe written; the outcome was not recorded. */
  status: z.enum(['pending', 'applied', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** The object as read right before the write (null: it did not exist). */
  before: z.unknown(),
  /** dvPortgroups: configVersion before and after. */
  configVersionBefore: z.string().optional(),
  configVersionAfter: z.string().optional(),
  /** What was sent. */
  sent: z.unknown(),
  /** The object as read back after the write (null: it no longer exists). */
  after: z.unknown().optional(),
  /** A created dvPortgroup. */
  created: z.object({ moref: z.string(), key: z.string() }).optional(),
  /** What went wrong, for failed entries, or how an unclear outcome was settled. */
  note: z.string().optional(),
});

export const journalFile = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('vmfix-journal'),
  command: z.enum(['fix', 'apply', 'rollback']),
  endpoint,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** rollback: the journal it undid, as the path was given. */
  rollbackOf: z.string().optional(),
  /** rollback: that journal's checksum, which names it wherever it is (absent before vmfix 0.2). */
  rollbackOfChecksum: sha256.optional(),
  /**
   * rollback: every undo it set out to make, by the id of the change it undoes in that journal,
   * so that one it never got to (a refused or failed one stopped the run) is on record too.
   */
  planned: z.array(z.object({ id: z.string().min(1), undoes: z.string().min(1) })).optional(),
  preparedBy: preparedBy.optional(),
  /** apply: the plan applied, so the journal names what the change board approved, and when it was made (absent before vmfix 0.2). */
  plan: z.object({ file: z.string(), checksum: sha256, createdAt: z.string().optional() }).optional(),
  request: request.optional(),
  entries: z.array(journalEntry),
  checksum: sha256,
});

export type Target = z.infer<typeof target>;
export type HostRef = z.infer<typeof hostRef>;
export type Change = z.infer<typeof change>;
export type Plan = Omit<z.infer<typeof planFile>, 'checksum'>;
export type Journal = Omit<z.infer<typeof journalFile>, 'checksum'>;
export type JournalEntry = z.infer<typeof journalEntry>;
export type EntryStatus = JournalEntry['status'];
export type PreparedBy = z.infer<typeof preparedBy>;
export type Request = z.infer<typeof request>;
