// The webhook sender on its own, against a local HTTPS receiver: changes
// arrive in order, a receiver that fails for a while gets them once it is
// back, one that refuses is told about once, an untrusted certificate gets
// nothing, and posting never waits for the receiver.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from '../../src/workflow/watch/webhook.js';
import { startReceiver, WEBHOOK_CA_FILE, type Receiver } from '../helpers/watch.js';

const ca = readFileSync(WEBHOOK_CA_FILE, 'utf8');
let receiver: Receiver | undefined;
afterEach(() => receiver?.close());

function hook(url: string, options: { ca?: string; attempts?: number } = {}) {
  const warnings: string[] = [];
  const webhook = new Webhook({ url: new URL(url), tls: options.ca ? { ca: options.ca } : {}, warn: (t) => warnings.push(t), backoffMs: 50, attempts: options.attempts ?? 6 });
  return { webhook, warnings };
}

describe('webhook', () => {
  it('delivers each change once, in order, and post() returns before the receiver answers', async () => {
    receiver = await startReceiver();
    const { webhook, warnings } = hook(receiver.url, { ca });
    const started = Date.now();
    for (let i = 1; i <= 5; i++) webhook.post({ type: 'new', n: i });
    expect(Date.now() - started).toBeLessThan(50);
    for (let i = 1; i <= 5; i++) await receiver.bodies.next((b) => b.n === i, 5000);
    expect(receiver.bodies.all.map((b) => b.n)).toEqual([1, 2, 3, 4, 5]);
    await webhook.close(1000);
    expect(warnings).toEqual([]);
  });

  it('retries a receiver that answers 503 and delivers once it is back; says so once, without the URL path', async () => {
    receiver = await startReceiver();
    receiver.fail(3, 503);
    const { webhook, warnings } = hook(receiver.url, { ca });
    webhook.post({ type: 'new', n: 1 });
    await receiver.bodies.next((b) => b.n === 1, 5000);
    expect(receiver.raw).toHaveLength(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/answered HTTP 503; retrying/);
    expect(warnings.join()).not.toContain('T0KEN');
    await webhook.close(1000);
  });

  it('does not retry a receiver that refuses (404), and goes on with the next change', async () => {
    receiver = await startReceiver();
    receiver.fail(1, 404);
    const { webhook, warnings } = hook(receiver.url, { ca });
    webhook.post({ type: 'new', n: 1 });
    webhook.post({ type: 'new', n: 2 });
    await receiver.bodies.next((b) => b.n === 2, 5000);
    expect(receiver.raw).toHaveLength(2);
    expect(warnings).toEqual([expect.stringMatching(/answered HTTP 404; the change was not delivered and is not retried/)]);
    await webhook.close(1000);
  });

  it('sends nothing to a receiver whose certificate it cannot verify', async () => {
    receiver = await startReceiver();
    const { webhook, warnings } = hook(receiver.url, { attempts: 2 });
    webhook.post({ type: 'new', n: 1 });
    await webhook.close(2000);
    expect(receiver.raw).toEqual([]);
    expect(warnings.join('\n')).toMatch(/not trusted/);
  });
});
