// Waiting for a Task: WaitForUpdatesEx long-polls a private PropertyCollector
// for changes of `info`, so the server answers when the task moves instead
// of being asked every few hundred milliseconds.
import type { VimClient } from './client.js';
import { SoapFault } from './faults.js';
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

function* changes(updates: UpdateSet) {
  for (const filter of updates.filterSet ?? []) {
    for (const object of filter.objectSet ?? []) yield* object.changeSet ?? [];
  }
}
