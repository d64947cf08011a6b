// Waiting for a Task: WaitForUpdatesEx long-polls a private PropertyCollector
// for changes of `info`, so the server answers when the task moves instead
// of being asked every few hundred milliseconds.
import type { VimClient } from './client.js';
import { SoapFault } from './faults.js';
import { prop, retrieveObjects } from './property.js';
import { MOREF } from './schema.js';
import type { MoRef, TaskInfo } from './types.js';

interface UpdateSet {
  version: string;
  filterSet?: { objectSet?: { changeSet?: { name: string; op: string; val?: unknown }[] }[] }[];
}

/**
 * A task that ran and ended in error: vCenter's answer to the call that
 * started it, unlike a fault met while watching the task (which says
 * nothing about whether the task did its work).
 */
export class TaskFault extends SoapFault {}

/** Resolves with the task's result; a failed task rejects with its fault as a TaskFault. */
export async function waitForTask(client: VimClient, task: MoRef): Promise<unknown> {
  // Each long poll must end well within the request timeout, or it would time out while the task runs.
  const maxWaitSeconds = Math.max(1, Math.min(20, Math.floor(client.timeoutMs / 2000)));
  const collector = await client.read<MoRef>(
    'CreatePropertyCollector',
    { _this: client.serviceContent.propertyCollector },
    { type: MOREF },
  );
  try {
    await client.read(
      'CreateFilter',
      {
        _this: collector,
        spec: { propSet: [{ type: 'Task', pathSet: ['info'] }], objectSet: [{ obj: task }] },
        partialUpdates: false,
      },
      { type: MOREF },
    );
    let version = '';
    for (;;) {
      const updates = await client.read<UpdateSet | undefined>(
        'WaitForUpdatesEx',
        { _this: collector, version, options: { maxWaitSeconds } },
        { type: 'UpdateSet' },
      );
      if (!updates) continue; // maxWaitSeconds passed with no change
      version = updates.version;
      for (const change of changes(updates)) {
        const info = change.val as TaskInfo | undefined;
        if (change.name !== 'info' || !info) continue;
        if (info.state === 'success') return info.result;
        if (info.state === 'error') {
          const fault = SoapFault.fromLocalized(info.error ?? {});
          throw new TaskFault(fault.faultType, fault.message, fault.detail);
        }
      }
    }
  } finally {
    await client.read('DestroyPropertyCollector', { _this: collector }).catch(() => undefined);
  }
}

/**
 * Waits until no task is queued or running on any of the entities. When the answer to
 * a call that starts a task is lost, a busy vCenter may still hold the task
 * queued: the object is not changed yet, and reading it back at once would
 * record as failed a change that applies a moment later. recentTask lists
 * the tasks of every session the user may see, so a task started by a
 * process that is gone (killed mid-change) is waited for too.
 */
export async function settleTasks(client: VimClient, entities: readonly MoRef[], onWait?: (task: TaskInfo) => void): Promise<void> {
  const manager = client.serviceContent.taskManager;
  if (!manager || !entities.length) return;
  const on = new Set(entities.map((e) => e.value));
  const [tm] = await retrieveObjects(client, [manager], ['recentTask']);
  const tasks = await retrieveObjects(client, (tm && prop<MoRef[]>(tm, 'recentTask')) ?? [], ['info']);
  for (const task of tasks) {
    const info = prop<TaskInfo>(task, 'info');
    if (!info?.entity || !on.has(info.entity.value) || (info.state !== 'queued' && info.state !== 'running')) continue;
    onWait?.(info);
    // Its outcome is learned from the object itself, read next.
    await waitForTask(client, task.obj).catch((err: unknown) => {
      if (!(err instanceof TaskFault)) throw err;
    });
  }
}

function* changes(updates: UpdateSet) {
  for (const filter of updates.filterSet ?? []) {
    for (const object of filter.objectSet ?? []) yield* object.changeSet ?? [];
  }
}
