// PropertyCollector reads. One recursive ContainerView over the types asked
// for, one RetrievePropertiesEx carrying a PropertySpec per type, then the
// pages (ContinueRetrievePropertiesEx): the number of round trips depends on
// the page size, not on how many objects there are or of how many types.
import { isTransient, type VimClient } from './client.js';
import type { ReturnSpec } from './decode.js';
import { SoapFault } from './faults.js';
import type { MoRef, ObjectContent, RetrieveResult } from './types.js';
import { createContainerView, viewFilterSpec, type PropertyRequest } from './view.js';

export type { PropertyRequest } from './view.js';

export interface RetrieveOptions {
  /** Objects per page (RetrieveOptions.maxObjects). */
  readonly pageSize?: number;
  /** Told after each page arrives, for progress. */
  readonly onPage?: (page: number, objects: number) => void;
  /** Which items of the arrays in the properties are built (ReturnSpec.items). */
  readonly items?: ReturnSpec['items'];
}

/**
 * What a retrieval hands each object to as it arrives, so the caller keeps what it needs and lets the
 * rest go (an inventory of thousands of VMs need not be held twice).
 */
export interface Sink {
  add(object: ObjectContent): void;
}

class Collected implements Sink {
  readonly objects: ObjectContent[] = [];
  add(object: ObjectContent): void {
    this.objects.push(object);
  }
}

/** Properties of every object of the given types below `container` (default: the root folder). */
export async function retrieveAll(
  client: VimClient,
  requests: readonly PropertyRequest[],
  options: RetrieveOptions & { container?: MoRef } = {},
): Promise<ObjectContent[]> {
  return (await retrieveAllInto(client, requests, () => new Collected(), options)).objects;
}

/**
 * As retrieveAll, into a sink `into` makes: a new one for each pass, for a retrieval that starts over
 * (a page lost, a session lost) must not keep what the failed pass read (a VM deleted since, a NIC
 * moved since). Returns the sink of the pass that completed.
 */
export async function retrieveAllInto<S extends Sink>(
  client: VimClient,
  requests: readonly PropertyRequest[],
  into: () => S,
  options: RetrieveOptions & { container?: MoRef } = {},
): Promise<S> {
  for (let attempt = 1; ; attempt++) {
    const view = await createContainerView(client, requests, options.container);
    try {
      return await retrievePages(client, viewFilterSpec(view, requests), into, options);
    } catch (err) {
      // A view lives in the session that made it: after the client logged in
      // again (the session expired), it is gone and has to be made again.
      const gone = err instanceof SoapFault && err.faultType === 'ManagedObjectNotFound' && err.object?.value === view.value;
      if (!gone || attempt > 1) throw err;
    } finally {
      await client.read('DestroyView', { _this: view }).catch(() => undefined);
    }
  }
}

/** Properties of the given objects. */
export async function retrieveObjects(
  client: VimClient,
  objects: readonly MoRef[],
  pathSet: readonly string[],
  options: RetrieveOptions = {},
): Promise<ObjectContent[]> {
  if (objects.length === 0) return [];
  const types = [...new Set(objects.map((o) => o.type))];
  const collected = await retrievePages(client, {
    propSet: types.map((type) => ({ type, pathSet: [...pathSet] })),
    objectSet: objects.map((obj) => ({ obj })),
  }, () => new Collected(), options);
  return collected.objects;
}

async function retrievePages<S extends Sink>(client: VimClient, spec: Record<string, unknown>, into: () => S, options: RetrieveOptions): Promise<S> {
  // A page token is consumed when the server answers, so a page lost in
  // transit cannot be asked for again: start the retrieval over instead,
  // into a new sink.
  for (let attempt = 1; ; attempt++) {
    try {
      return await retrieveOnce(client, spec, into(), options);
    } catch (err) {
      if (!(err instanceof PageLost) || attempt >= 3) throw err instanceof PageLost ? err.cause : err;
    }
  }
}

class PageLost extends Error {}

async function retrieveOnce<S extends Sink>(client: VimClient, spec: Record<string, unknown>, sink: S, options: RetrieveOptions): Promise<S> {
  const collector = client.serviceContent.propertyCollector;
  // The next page is asked for as soon as this one's token arrives (it comes
  // before the objects), so the server prepares it while this one is read.
  // Keyed by token: a page is taken only for the token its predecessor ended
  // with. A call whose answer tells a token twice was sent again (the client
  // retried it): what its first answer asked for belongs to an abandoned pass,
  // and asks for nothing more.
  const ahead = new Map<string, Promise<RetrieveResult | undefined>>();
  const inFlight: Promise<unknown>[] = [];
  let pass = 0;
  let open = true;
  const returns = (): ReturnSpec => {
    let mine = pass;
    let told = false;
    return {
      type: 'RetrieveResult',
      ...(options.items ? { items: options.items } : {}),
      early: {
        field: 'token',
        then: (token) => {
          if (told) {
            mine = ++pass;
            ahead.clear();
          }
          told = true;
          if (!open || mine !== pass || typeof token !== 'string' || ahead.has(token) || ahead.size >= 2) return;
          const page = next(token);
          page.catch(() => undefined); // met where it is taken, or awaited before the retrieval ends
          inFlight.push(page);
          ahead.set(token, page);
        },
      },
    };
  };
  // A token lives in the session that asked: once the client has logged in again, the new session refuses it.
  const logins = client.logins;
  const next = (token: string): Promise<RetrieveResult | undefined> =>
    client
      .read<RetrieveResult | undefined>('ContinueRetrievePropertiesEx', { _this: collector, token }, returns(), { retries: 0 })
      .catch((err: unknown) => {
        throw isTransient(err) || client.logins !== logins ? new PageLost('page lost', { cause: err }) : err;
      });
  try {
    let page = 1;
    let count = 0;
    let result = await client.read<RetrieveResult | undefined>(
      'RetrievePropertiesEx',
      { _this: collector, specSet: [spec], options: { maxObjects: options.pageSize ?? 1000 } },
      returns(),
    );
    for (;;) {
      const objects = result?.objects ?? [];
      count += objects.length;
      for (const object of objects) sink.add(object);
      options.onPage?.(page, count);
      if (!result?.token) return sink;
      page++;
      const asked = ahead.get(result.token);
      ahead.delete(result.token);
      result = await (asked ?? next(result.token));
    }
  } finally {
    // Nothing asked from here on, and nothing left in flight once the retrieval returns or starts over.
    open = false;
    await Promise.allSettled(inFlight);
  }
}

/** The value of one property of an ObjectContent, or undefined. */
export function prop<T>(content: ObjectContent, path: string): T | undefined {
  for (const p of content.propSet ?? []) if (p.name === path) return p.val as T;
  return undefined;
}
