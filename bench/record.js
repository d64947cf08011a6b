// Records the SOAP requests `vmfix audit` sends, from its --debug trace
// (passwords and the session cookie come redacted; the floor puts the
// password back). Responses in the trace are skipped as they stream past.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { methodOf } from './floor.js';

/** [{ method, soapAction, body }] in the order vmfix sent them. */
export async function recordRequests(vmfixArgs, env) {
  const child = spawn(process.execPath, [...vmfixArgs, '--debug'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const requests = [];
  let soapAction;
  for await (const line of createInterface({ input: child.stderr, crlfDelay: Infinity })) {
    if (soapAction !== undefined) {
      requests.push({ method: methodOf(line), soapAction, body: line });
      soapAction = undefined;
      continue;
    }
    const post = /^> POST \S+ SOAPAction: (\S+)$/.exec(line);
    if (post) soapAction = post[1];
  }
  const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
  if (code !== 0 && code !== 1) throw new Error(`vmfix --debug exited ${code} while recording its requests`);
  if (requests.some((r) => r.method === 'unknown')) throw new Error('a recorded request has no SOAP method; has the --debug trace format changed?');
  return requests;
}
