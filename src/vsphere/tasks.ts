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

/** Resolves with the task's result; a failed task rejects with its fault as a SoapFault. */
export async function waitForTask(client: VimClient, task: MoRef, maxWaitSeconds = 20): Promise<unknown> {
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
        if (info.state === 'error') throw SoapFault.fromLocalized(info.error ?? {});
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
