#!/usr/bin/env node
// The floor: the SOAP requests vmfix sent (recorded from its --debug trace)
// sent again by a bare HTTPS keep-alive client that reads each response's
// bytes and throws them away. It keeps vmfix's shape (login, then the
// inventory pages, each asked for as soon as the previous page's token has
// arrived, then the vmkernel log tails of 8 hosts at once
// beside FetchDVPorts and the event history, then Logout) and only looks
// inside a response for what the next request needs: the session cookie,
// the ContainerView, the page token and the event collector. What vmfix takes beyond this is its own cost.
//
//   node bench/floor.js REQUESTS.json   (env VMFIX_VCENTER, VMFIX_PASSWORD, VMFIX_CA_FILE)
// prints { totalMs, phases: { name: { ms, requests, bytesReceived } } } on stdout.
import https from 'node:https';
import { readFileSync } from 'node:fs';

const PHASE_OF = {
  RetrieveServiceContent: 'login',
  Login: 'login',
  CreateContainerView: 'inventory',
  RetrievePropertiesEx: 'inventory',
  ContinueRetrievePropertiesEx: 'inventory',
  DestroyView: 'inventory',
  FetchDVPorts: 'dvPorts',
  BrowseDiagnosticLog: 'logs',
  CreateCollectorForEvents: 'events',
  ReadNextEvents: 'events',
  DestroyCollector: 'events',
  Logout: 'logout',
};

/** The SOAP method of a request body. */
export function methodOf(body) {
  return /<soapenv:Body><(\w+)[\s>]/.exec(body)?.[1] ?? 'unknown';
}

async function replay({ requests, url, password, ca, concurrency = 8 }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca });
  let cookie;
  let view; // [recorded, fresh] ContainerView id
  const collectors = new Map(); // recorded EventHistoryCollector id → fresh one (the audit makes one per event read)
  let token; // the next page's token
  const phases = {};

  // onHead: told the start of the answer as it grows (where a page's token is).
  const send = (recorded, onHead = () => {}) =>
    new Promise((resolve, reject) => {
      let body = recorded.body.replace('<password>(redacted)</password>', `<password>${escapeXml(password)}</password>`);
      if (view) body = body.split(view[0]).join(view[1]);
      for (const [recorded, fresh] of collectors) body = body.split(recorded).join(fresh);
      if (recorded.method === 'ContinueRetrievePropertiesEx') body = body.replace(/<token>[^<]*<\/token>/, `<token>${token}</token>`);
      const req = https.request(url, {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'text/xml; charset=utf-8',
          SOAPAction: recorded.soapAction,
          ...(cookie ? { Cookie: cookie } : {}),
        },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const setCookie = res.headers['set-cookie']?.find((c) => c.startsWith('vmware_soap_session='));
        if (setCookie) cookie = setCookie.split(';')[0];
        let bytes = 0;
        let head = ''; // where the page token and the ContainerView are
        res.on('data', (chunk) => {
          bytes += chunk.length;
          if (head.length < 2048) {
            head += chunk.toString('latin1', 0, 2048);
            onHead(head);
          }
        });
        res.on('end', () => {
          const phase = (phases[PHASE_OF[recorded.method] ?? 'other'] ??= { ms: 0, requests: 0, bytesReceived: 0 });
          phase.requests++;
          phase.bytesReceived += bytes;
          if (res.statusCode !== 200) return reject(new Error(`${recorded.method}: HTTP ${res.statusCode}: ${head.slice(0, 600)}`));
          resolve(head);
        });
        res.on('error', reject);
      });
      req.end(body);
    });

  const timed = async (name, work) => {
    const start = performance.now();
    await work();
    (phases[name] ??= { ms: 0, requests: 0, bytesReceived: 0 }).ms = performance.now() - start;
  };
  const byPhase = (name) => requests.filter((r) => (PHASE_OF[r.method] ?? 'other') === name);
  const inTurn = async (list, after = () => {}) => {
    for (const r of list) after(r, await send(r));
  };

  const unknown = requests.find((r) => !PHASE_OF[r.method]);
  if (unknown) throw new Error(`${unknown.method}: a request the floor does not know how to replay; add it to PHASE_OF`);
  const start = performance.now();
  await timed('login', () => inTurn(byPhase('login')));
  await timed('inventory', async () => {
    const list = byPhase('inventory');
    const asked = new Map(); // index → a page asked for when its predecessor's token arrived (as vmfix does)
    const sendAt = (i) => {
      const following = list[i + 1]?.method === 'ContinueRetrievePropertiesEx' ? i + 1 : -1;
      return send(list[i], (head) => {
        const found = /<token>([^<]+)<\/token>/.exec(head)?.[1];
        if (following < 0 || asked.has(following) || !found) return;
        token = found;
        const page = sendAt(following);
        page.catch(() => undefined);
        asked.set(following, page);
      });
    };
    for (let i = 0; i < list.length; i++) {
      const head = await (asked.get(i) ?? sendAt(i));
      if (!asked.has(i + 1)) token = /<token>([^<]+)<\/token>/.exec(head)?.[1];
      if (list[i].method === 'CreateContainerView') {
        const recorded = /<obj type="ContainerView">([^<]+)<\/obj>/.exec(requests.find((q) => q.method === 'RetrievePropertiesEx')?.body ?? '')?.[1];
        const fresh = /<returnval type="ContainerView">([^<]+)<\/returnval>/.exec(head)?.[1];
        if (recorded && fresh) view = [recorded, fresh];
      }
    }
  });
  // The log tails of `concurrency` hosts at once, each host's pages in turn, beside FetchDVPorts.
  const hosts = new Map();
  for (const r of byPhase('logs')) {
    const host = /<host type="HostSystem">([^<]+)<\/host>/.exec(r.body)?.[1] ?? '';
    hosts.set(host, [...(hosts.get(host) ?? []), r]);
  }
  const queue = [...hosts.values()];
  const lane = async () => {
    while (queue.length) await inTurn(queue.shift());
  };
  const events = byPhase('events');
  await Promise.all([
    timed('logs', () => Promise.all(Array.from({ length: concurrency }, lane))),
    timed('dvPorts', () => inTurn(byPhase('dvPorts'))),
    timed('events', () =>
      inTurn(events, (r, head) => {
        if (r.method !== 'CreateCollectorForEvents') return;
        // The collector this one made is the one the requests after it name.
        const after = events.slice(events.indexOf(r) + 1).find((q) => q.method !== r.method);
        const recorded = /<_this type="EventHistoryCollector">([^<]+)<\/_this>/.exec(after?.body ?? '')?.[1];
        const fresh = /<returnval type="EventHistoryCollector">([^<]+)<\/returnval>/.exec(head)?.[1];
        if (recorded && fresh) collectors.set(recorded, fresh);
      }),
    ),
  ]);
  await timed('logout', () => inTurn(byPhase('logout')));
  const totalMs = performance.now() - start;
  agent.destroy();
  return { totalMs, phases };
}

function escapeXml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const requests = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const { VMFIX_VCENTER: url, VMFIX_PASSWORD: password, VMFIX_CA_FILE: caFile } = process.env;
  replay({ requests, url, password, ca: readFileSync(caFile, 'utf8') }).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err) => {
      process.stderr.write(`floor: ${err.message}\n`);
      process.exit(1);
    },
  );
}
