// vmfix watch --webhook URL: each change POSTed as JSON, for a Slack, Teams
// or alerting bridge. A queue of its own, in order, one at a time: a slow or
// failing receiver never holds the watch up. Failures that may pass (no
// answer, 5xx, 429) are retried with backoff; a receiver that refuses (any
// other 4xx) is told about once and the change dropped. TLS is verified as
// for vCenter (src/vsphere/tls.ts), and nothing but the URL's origin is ever
// printed: a webhook URL's path is often its secret.
import https from 'node:https';
import { VerifyingAgent, type TlsPolicy } from '../../vsphere/tls.js';

export interface WebhookOptions {
  readonly url: URL;
  readonly tls: TlsPolicy;
  /** Told why a change could not be delivered (and whether it is retried); never sees the URL's path. */
  readonly warn: (text: string) => void;
  readonly timeoutMs?: number;
  /** Attempts per change before it is dropped (default 6: about a minute of retries). */
  readonly attempts?: number;
  /** Changes held at most while the receiver is down; the oldest go first (default 1000). */
  readonly maxQueue?: number;
  /** The first retry's delay (default 1 s), doubled each time. */
  readonly backoffMs?: number;
}

interface Answer {
  readonly status: number;
  readonly retryAfterMs: number | null;
}

export class Webhook {
  private readonly agent: VerifyingAgent;
  private readonly queue: string[] = [];
  private sending: Promise<void> | undefined;
  private dropped = 0;
  private closed = false;

  constructor(private readonly options: WebhookOptions) {
    this.agent = new VerifyingAgent(options.tls, { keepAlive: true, maxSockets: 1 });
  }

  /** Queues a change; returns at once. */
  post(body: object): void {
    if (this.closed) return;
    this.queue.push(JSON.stringify(body));
    const max = this.options.maxQueue ?? 1000;
    if (this.queue.length > max) {
      this.queue.splice(0, this.queue.length - max);
      if (this.dropped++ === 0) this.options.warn(`webhook ${this.options.url.origin} is not keeping up; the oldest changes queued for it are dropped.`);
    }
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  /** Waits (at most `ms`) for the queue to empty, then stops; what is left is dropped. */
  async close(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sending, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
    this.closed = true;
    if (this.queue.length) this.options.warn(`${this.queue.length} change(s) not delivered to webhook ${this.options.url.origin} before exit.`);
    this.queue.length = 0;
    this.agent.destroy();
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const body = this.queue[0]!;
      await this.deliver(body);
      if (this.queue[0] === body) this.queue.shift();
    }
  }

  private async deliver(body: string): Promise<void> {
    const attempts = this.options.attempts ?? 6;
    const origin = this.options.url.origin;
    for (let attempt = 1; ; attempt++) {
      let why: string;
      let wait: number | null = null;
      try {
        const answer = await this.send(body);
        if (answer.status >= 200 && answer.status < 300) return;
        why = `answered HTTP ${answer.status}`;
        if (answer.status !== 429 && answer.status < 500) {
          this.options.warn(`webhook ${origin} ${why}; the change was not delivered and is not retried (check the URL).`);
          return;
        }
        wait = answer.retryAfterMs;
      } catch (err) {
        why = `failed (${(err as Error).message})`;
      }
      if (attempt >= attempts || this.closed) {
        this.options.warn(`webhook ${origin} ${why}; gave up on one change after ${attempt} attempt(s).`);
        return;
      }
      const delay = Math.min(60_000, wait ?? (this.options.backoffMs ?? 1000) * 2 ** (attempt - 1));
      if (attempt === 1) this.options.warn(`webhook ${origin} ${why}; retrying.`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private send(body: string): Promise<Answer> {
    const { url, timeoutMs = 10_000 } = this.options;
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method: 'POST',
        agent: this.agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'vmfix-watch' },
        timeout: timeoutMs,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (err) => reject(new Error(describe(err))));
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          const after = Number(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, retryAfterMs: Number.isFinite(after) && after >= 0 ? after * 1000 : null });
        });
        res.on('error', (err) => reject(new Error(describe(err))));
      });
      req.end(body);
    });
  }
}

/** An error without the URL in it (Node's messages may quote the request's path). */
function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if ('failure' in err) return err.message; // the TLS policy's own refusal: it names the host and the fingerprint only
  return code ?? err.message.replace(/https?:\/\/\S+/g, '(the webhook URL)');
}
