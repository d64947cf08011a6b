// From options and environment to a logged-in session, and always out of it
// again. The password is read from the environment, stdin or a prompt,
// never from argv, and lives only in memory.
import { X509Certificate } from 'node:crypto';
import { UsageError } from '../errors.js';
import { readFileBounded } from '../files.js';
import { phase, profileSoap } from '../profile.js';
import type { VimClient } from '../vsphere/client.js';
import type { TlsPolicy } from '../vsphere/tls.js';
import type { Context, Endpoint } from '../workflow/context.js';
import type { ConnectionArgs } from './options.js';

const DEFAULT_MAX_RESPONSE = 512 * 2 ** 20;
const MAX_PASSWORD_BYTES = 64 * 2 ** 10;

/** The response size cap: 512 MiB, or VMFIX_MAX_RESPONSE_MB (a knob for odd vCenters, and for tests to reach it). */
function responseCap(env: NodeJS.ProcessEnv): number {
  const raw = env.VMFIX_MAX_RESPONSE_MB;
  if (raw === undefined || raw === '') return DEFAULT_MAX_RESPONSE;
  const mib = Number(raw);
  if (!Number.isInteger(mib) || mib < 1) throw new UsageError(`VMFIX_MAX_RESPONSE_MB must be a whole number of MiB (1 or more), not "${raw}".`);
  return mib * 2 ** 20;
}

/**
 * A VMFIX_* switch, read as admins write them: 1/true/yes/on or
 * 0/false/no/off, any case; unset or empty is not set. Anything else is
 * refused: VMFIX_COMPRESS=ture must not quietly mean "off".
 */
function envFlag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  const value = raw?.trim().toLowerCase();
  if (!value) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${name} must be 1, true, yes or on, or 0, false, no or off, not ${JSON.stringify(raw)}.`);
}

/** What turned TLS verification off, as resolveTls reads it: an admin may not know GOVC_INSECURE is still set from govc. */
function insecureSource(args: ConnectionArgs, env: NodeJS.ProcessEnv): string {
  if (args.insecure) return '--insecure';
  const name = envFlag(env, 'VMFIX_INSECURE') ? 'VMFIX_INSECURE' : 'GOVC_INSECURE';
  return `${name}=${env[name]}`;
}

function firstEnv(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) if (env[name]) return env[name];
  return undefined;
}

/**
 * A vCenter URL read as govc reads GOVC_URL (soap.ParseURL over Go's
 * net/url): https:// when no scheme is given; user and password are what
 * precedes the LAST "@" of the host part, split at the first ":", each
 * percent-decoded. What precedes that "@" is never repeated in a message:
 * it may hold the password.
 */
function parseVcenterUrl(raw: string, source: string): { url: URL; username?: string; password?: string } {
  const full = /^\w+:\/\//.test(raw) ? raw : `https://${raw}`;
  const scheme = full.slice(0, full.indexOf('://'));
  const rest = full.slice(scheme.length + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  const host = authority.slice(at + 1);
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const refuse = (why: string) => new UsageError(`${source} ${why}`);
  // "root:P@ss#w0rd@vc" ends its host part at "#": Go would connect to "ss", a piece of the password.
  if (tail.includes('@')) {
    throw refuse('has an "@" after a "/", "?" or "#": a user name or password holding one of those must have it percent-encoded (%2F, %3F, %23), or give the password in VMFIX_PASSWORD or GOVC_PASSWORD.');
  }
  if (scheme.toLowerCase() !== 'https') throw new UsageError(`vmfix only talks HTTPS to vSphere; ${source} asks for ${scheme}.`);
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    // Go's validUserinfo: anything else (a space, a quote) must be percent-encoded.
    if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) {
      throw refuse('holds a user name or password with a character a URL cannot carry as it is (a space, say): percent-encode it, or give the password in VMFIX_PASSWORD or GOVC_PASSWORD.');
    }
    const colon = userinfo.indexOf(':');
    try {
      username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
      if (colon >= 0) password = decode(userinfo.slice(colon + 1));
    } catch {
      throw refuse('holds a user name or password with a "%" that starts no valid escape (%XX): write a "%" itself as %25, or give the password in VMFIX_PASSWORD or GOVC_PASSWORD.');
    }
  }
  const shown = `${scheme}://${host}${tail}`;
  let url: URL;
  try {
    if (!host) throw new Error('no host');
    url = new URL(shown);
  } catch {
    throw refuse(`(${shown}) is not a host name or URL; use --vcenter HOST[:PORT] or https://HOST/sdk.`);
  }
  return { url, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** Strict percent-decoding, as Go's: a "%" not followed by two hex digits is an error, not a literal. */
function decode(text: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(text)) throw new URIError('bad escape');
  return decodeURIComponent(text);
}

/** Where to connect and as whom; throws UsageError for anything missing or malformed. */
function resolveEndpoint(args: ConnectionArgs, env: NodeJS.ProcessEnv): Endpoint & { urlPassword?: string } {
  const source = args.vcenter !== undefined ? '--vcenter' : env.VMFIX_VCENTER ? 'VMFIX_VCENTER' : 'GOVC_URL';
  const raw = args.vcenter ?? firstEnv(env, 'VMFIX_VCENTER', 'GOVC_URL');
  if (!raw) throw new UsageError('No vCenter given: use --vcenter HOST or set VMFIX_VCENTER.');
  const { url, username: urlUser, password: urlPassword } = parseVcenterUrl(raw, source);
  if (urlPassword && source === '--vcenter') {
    throw new UsageError('Do not put the password in --vcenter (it would show in the process list); use VMFIX_PASSWORD or --password-stdin.');
  }
  const username = args.user ?? firstEnv(env, 'VMFIX_USER', 'GOVC_USERNAME') ?? urlUser;
  if (!username) throw new UsageError('No user name given: use --user NAME or set VMFIX_USER.');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sdk';
  return { url, display: url.host, username, ...(urlPassword ? { urlPassword } : {}) };
}

export async function resolveTls(args: ConnectionArgs, env: NodeJS.ProcessEnv): Promise<TlsPolicy> {
  const { normalizeThumbprint } = await import('../vsphere/tls.js');
  // GOVC_INSECURE is govc's, read as govc reads it (1 or true, any case; anything else is off).
  const insecure = args.insecure ?? envFlag(env, 'VMFIX_INSECURE') ?? ['1', 'true'].includes(env.GOVC_INSECURE?.toLowerCase() ?? '');
  const rawThumbprint = args.thumbprint ?? env.VMFIX_THUMBPRINT;
  let thumbprint: string | undefined;
  if (rawThumbprint) {
    thumbprint = normalizeThumbprint(rawThumbprint);
    if (!thumbprint) {
      const sha1 = /^[0-9a-f]{40}$/i.test(rawThumbprint.replace(/[\s:]/g, ''));
      throw new UsageError(
        sha1
          ? '--thumbprint takes the SHA-256 fingerprint (32 bytes); that looks like a SHA-1 one. vmfix prints the SHA-256 fingerprint when it meets an untrusted certificate.'
          : `--thumbprint "${rawThumbprint}" is not a SHA-256 fingerprint (64 hex digits, colons optional).`,
      );
    }
  }
  const caFile = args.caFile ?? env.VMFIX_CA_FILE;
  const ca = caFile ? checkedPem(caFile, await readFileBounded(caFile, 'CA file', 16 * 2 ** 20)) : undefined;
  return { insecure, ...(thumbprint ? { thumbprint } : {}), ...(ca ? { ca } : {}) };
}

/**
 * A CA file's text, once each certificate in it parses. Node's TLS skips one it cannot read without
 * a word, so a file cut short or damaged in a copy would end as "not trusted" (exit 3) with advice
 * to give the very --ca-file that was given.
 */
export function checkedPem(file: string, text: string): string {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?(?:-----END CERTIFICATE-----|$)/g) ?? [];
  if (!blocks.length) throw new UsageError(`${file} holds no PEM certificate.`);
  const bad = blocks.findIndex((block) => {
    try {
      new X509Certificate(block);
      return false;
    } catch {
      return true;
    }
  });
  if (bad >= 0) throw new UsageError(`${file}: certificate ${bad + 1} of ${blocks.length} is cut short or damaged; copy the CA's PEM file again.`);
  return text;
}

async function resolvePassword(args: ConnectionArgs, env: NodeJS.ProcessEnv, ctx: Context, endpoint: Endpoint & { urlPassword?: string }): Promise<string> {
  if (args.passwordStdin) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      // stdin may be /dev/zero or a stream that never ends; a password is not 64 KiB long.
      if ((size += (chunk as Buffer).length) > MAX_PASSWORD_BYTES) throw new UsageError('--password-stdin read more than 64 KiB without the input ending; give it the password alone.');
      chunks.push(chunk as Buffer);
    }
    const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
    if (!password) throw new UsageError('--password-stdin was given but stdin was empty.');
    return password;
  }
  const fromEnv = firstEnv(env, 'VMFIX_PASSWORD', 'GOVC_PASSWORD') ?? endpoint.urlPassword;
  if (fromEnv) return fromEnv;
  if (ctx.ui.interactive) return ctx.ui.password(`Password for ${endpoint.username}@${endpoint.display}:`);
  throw new UsageError('No password: set VMFIX_PASSWORD, use --password-stdin, or run vmfix on a terminal to be asked.');
}

/** Connects, runs `work`, and logs out whatever happens (also on Ctrl-C). */
export async function withSession<T>(
  args: ConnectionArgs,
  ctx: Context,
  work: (client: VimClient, endpoint: Endpoint) => Promise<T>,
): Promise<T> {
  const endpoint = resolveEndpoint(args, ctx.env);
  const maxResponseBytes = responseCap(ctx.env);
  const compress = args.compress ?? envFlag(ctx.env, 'VMFIX_COMPRESS') ?? false;
  const tls = await resolveTls(args, ctx.env);
  const password = await resolvePassword(args, ctx.env, ctx, endpoint);
  if (tls.insecure) ctx.ui.warn(`TLS verification is off (${insecureSource(args, ctx.env)}): vmfix cannot tell ${endpoint.display} from an impostor, who would receive the password.`);
  const { VimClient } = await import('../vsphere/client.js');
  const spinner = ctx.ui.spinner(`Connecting to ${endpoint.display}`);
  let client: VimClient;
  try {
    client = await phase('login', () => VimClient.connect({
      url: endpoint.url,
      username: endpoint.username,
      password,
      tls,
      timeoutMs: args.timeout * 1000,
      maxResponseBytes,
      maxSockets: 8,
      compress,
      ...(args.debug ? { trace: (text: string) => ctx.ui.debug(text) } : {}),
      onRetry: (method, attempt, err) => ctx.ui.warn(`${method} failed (${err.message}); retrying (${attempt}).`),
    }));
    profileSoap(client.stats);
    spinner.stop();
  } catch (err) {
    spinner.stop();
    throw err;
  }
  const logout = ctx.onInterrupt(() => client.logout());
  try {
    return await work(client, endpoint);
  } finally {
    logout();
    await client.logout();
  }
}
