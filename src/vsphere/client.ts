// A vSphere session: RetrieveServiceContent, Login, calls, Logout. Reads
// are retried a bounded number of times on transient failures and log in
// again once on NotAuthenticated; writes are sent exactly once, because a
// write whose answer was lost may still have been applied.
import { encodeRequest } from './encode.js';
import type { ReturnSpec } from './decode.js';
import { ProtocolError, SoapFault, TransportError } from './faults.js';
import { Transport, type TransportOptions, type TransportStats } from './transport.js';
import type { MoRef, ServiceContent, UserSession } from './types.js';

export interface ClientOptions extends Omit<TransportOptions, 'url' | 'secrets'> {
  /** https://host[:port]/sdk */
  readonly url: URL;
  readonly username: string;
  readonly password: string;
  /** How many times a failed read is sent again (default 3). */
  readonly readRetries?: number;
  /** Told about each retry, for a warning on stderr. */
  readonly onRetry?: (method: string, attempt: number, err: Error) => void;
}

const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };

export class VimClient {
  private soapAction = 'urn:vim25';
  private loggedIn = false;
  /** Counts logins, so a call knows whether the session it was sent in has been replaced since. */
  private session = 0;
  /** A Login that replaces an expired session; concurrent calls that meet the expiry share it. */
  private renewing: Promise<void> | undefined;
  /** Set by such a Login, cleared by the first call that succeeds after it: a new session refused at once is not worth another Login. */
  private renewedUnproven = false;

  private constructor(
    private readonly transport: Transport,
    private readonly options: ClientOptions,
    private content: ServiceContent,
  ) {}

  /** Connects and logs in; throws TransportError('not-vsphere') for HTTPS servers that are not vSphere. */
  static async connect(options: ClientOptions): Promise<VimClient> {
    const transport = new Transport({ ...options, secrets: [options.password] });
    // A dropped connection or a vCenter restarting its services is no reason to give up at once.
    const retries = options.readRetries ?? 3;
    const onRetry = (method: string) => (attempt: number, err: Error) => options.onRetry?.(method, attempt, err);
    try {
      const content = await retryTransient(() => retrieveServiceContent(transport, options.url), retries, onRetry('RetrieveServiceContent'));
      const client = new VimClient(transport, options, content);
      // Without the version, vCenter answers as its oldest API and hides
      // newer fields such as DVS macManagementPolicy (6.7+).
      client.soapAction = `urn:vim25/${content.about.apiVersion}`;
      // A Login sent again after a lost answer at worst leaves a session that times out.
      await retryTransient(() => client.login(), retries, onRetry('Login'));
      return client;
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  get serviceContent(): ServiceContent {
    return this.content;
  }

  get stats(): TransportStats {
    return this.transport.stats;
  }

  /** How many times the client has logged in: what lived in an earlier session (a view, a page token, a collector) is gone. */
  get logins(): number {
    return this.session;
  }

  /** A call that changes nothing: retried on transient failures, re-login once. */
  async read<T>(
    method: string,
    params: Record<string, unknown>,
    returns?: ReturnSpec,
    { retries = this.options.readRetries ?? 3 } = {},
  ): Promise<T> {
    let relogged = false;
    return retryTransient(
      async () => {
        const session = this.session;
        try {
          return await this.invoke<T>(method, params, returns);
        } catch (err) {
          if (!(err instanceof SoapFault && err.faultType === 'NotAuthenticated') || relogged || !(await this.renew(session))) throw err;
          relogged = true;
          return this.invoke<T>(method, params, returns);
        }
      },
      retries,
      (attempt, err) => this.options.onRetry?.(method, attempt, err),
    );
  }

  /** The per-request timeout, which long polls (task waits) must stay under. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /**
   * A call that may change vCenter: sent once. On NotAuthenticated the
   * server refused it before doing anything, so logging in and sending it
   * again is safe; after any other failure the caller re-reads the object.
   */
  async write<T>(method: string, params: Record<string, unknown>, returns?: ReturnSpec): Promise<T> {
    const session = this.session;
    try {
      return await this.invoke<T>(method, params, returns);
    } catch (err) {
      if (!(err instanceof SoapFault && err.faultType === 'NotAuthenticated') || !(await this.renew(session))) throw err;
      return this.invoke<T>(method, params, returns);
    }
  }

  /**
   * After NotAuthenticated on a call sent in `session`: logs in again, once
   * for all the calls that met the same expiry. False when a session just
   * made by such a Login is refused too: another Login would not help.
   */
  private async renew(session: number): Promise<boolean> {
    if (this.session !== session || this.renewing) {
      await this.renewing;
      return true;
    }
    if (this.renewedUnproven) return false;
    this.renewing = this.login().finally(() => (this.renewing = undefined));
    await this.renewing;
    this.renewedUnproven = true;
    return true;
  }

  /** Ends the session; never throws, since it runs on the way out of errors too. */
  async logout(): Promise<void> {
    try {
      if (this.loggedIn && this.content.sessionManager && this.transport.hasSession) {
        this.loggedIn = false;
        await this.invoke('Logout', { _this: this.content.sessionManager });
      }
    } catch {
      // The session times out on its own; nothing more to do here.
    } finally {
      this.transport.close();
    }
  }

  private async login(): Promise<void> {
    const sessionManager = this.content.sessionManager;
    if (!sessionManager) throw new TransportError('not-vsphere', 'the endpoint offers no SessionManager');
    await this.invoke<UserSession>(
      'Login',
      { _this: sessionManager, userName: this.options.username, password: this.options.password },
      { type: 'UserSession' },
    );
    this.loggedIn = true;
    this.session++;
  }

  private async invoke<T>(method: string, params: Record<string, unknown>, returns?: ReturnSpec): Promise<T> {
    const response = await this.transport.post(encodeRequest(method, params), this.soapAction, returns);
    if (response.kind === 'fault') throw toFault(response.fault);
    if (method !== 'Login') this.renewedUnproven = false;
    return response.value as T;
  }
}

async function retrieveServiceContent(transport: Transport, url: URL): Promise<ServiceContent> {
  const notVsphere = (why: string) =>
    new TransportError('not-vsphere', `${url.host} answers HTTPS but is not a vSphere endpoint (${why})`);
  let response;
  try {
    response = await transport.post(encodeRequest('RetrieveServiceContent', { _this: SERVICE_INSTANCE }), 'urn:vim25', {
      type: 'ServiceContent',
    });
  } catch (err) {
    if (err instanceof ProtocolError) throw notVsphere(err.message);
    // A 5xx page is a vCenter (or its proxy) in trouble, say while vpxd restarts: not a wrong endpoint.
    if (err instanceof TransportError && err.failure === 'http' && !err.transient) throw notVsphere(err.message);
    throw err;
  }
  if (response.kind === 'fault') throw notVsphere(`RetrieveServiceContent failed: ${response.fault.faultString}`);
  const content = response.value as ServiceContent | undefined;
  const apiType = content?.about?.apiType;
  if (apiType !== 'VirtualCenter' && apiType !== 'HostAgent') throw notVsphere(`apiType ${String(apiType)}`);
  return content!;
}

function toFault(body: { faultCode: string; faultString: string; detail?: Record<string, unknown> }): SoapFault {
  const type = (body.detail?._typeName as string | undefined) ?? 'SystemError';
  return new SoapFault(type, body.faultString, body.detail ?? {});
}

/** Worth sending again: a dropped or cut-off answer, a timeout, a 5xx page. Hostile or malformed XML is not. */
export function isTransient(err: unknown): boolean {
  return (err instanceof TransportError && err.transient) || (err instanceof ProtocolError && err.truncated);
}

/** Runs `work`, again after a backoff on transient failures, at most `retries` more times. */
async function retryTransient<T>(work: () => Promise<T>, retries: number, onRetry: (attempt: number, err: Error) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isTransient(err) || attempt > retries) throw err;
      onRetry(attempt, err as Error);
      await sleep(backoff(attempt));
    }
  }
}

function backoff(attempt: number): number {
  return Math.min(2000, 200 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
