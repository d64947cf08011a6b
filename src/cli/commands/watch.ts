// vmfix watch: the audit once, then each change as it happens, until
// Ctrl-C: a line each on stdout (JSON Lines with --format json) and, with
// --webhook, a POST each. Changes nothing.
import { readFile } from 'node:fs/promises';
import type { WatchChange } from '../../audit/changes.js';
import type { AuditReport } from '../../audit/finding.js';
import { ExitCode, UsageError } from '../../errors.js';
import { auditText } from '../../report/audit.js';
import { changeJson, changeText } from '../../report/watch.js';
import type { TlsPolicy } from '../../vsphere/tls.js';
import type { CommandOutcome, Context } from '../../workflow/context.js';
import { watch as watchVcenter, type WatchOptions, type WatchSink } from '../../workflow/watch.js';
import { Webhook } from '../../workflow/watch/webhook.js';
import { checkedPem, withSession } from '../connect.js';
import { onReaderGone } from '../reader-gone.js';
import { colorAllowed } from '../ui.js';
import type { Covers, WatchArgs } from '../options.js';

/** How long the way out waits for the webhook to take what it still holds. */
const WEBHOOK_DRAIN_MS = 3000;

export async function watch(args: WatchArgs, ctx: Context): Promise<CommandOutcome> {
  const options: Covers<WatchArgs, WatchOptions> = args;
  const webhook = args.webhook
    ? new Webhook({ url: args.webhook, tls: await webhookTls(args, ctx.env), warn: (text) => ctx.ui.warn(text) })
    : undefined;
  // Whoever reads the output went away (| head): nothing more is wanted, so the watch is done, not
  // interrupted. Collectors destroyed and logged out as for Ctrl-C, then exit 0 without a word, as
  // `audit | head` ends: a script's `vmfix watch --format json | grep -m1 '"new"'` goes on.
  const done = () => ctx.finish(ExitCode.ok);
  onReaderGone(done);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') done();
  });
  const json = args.format === 'json';
  const color = colorAllowed(process.stdout, ctx.env);
  const out = (text: string) => void process.stdout.write(text);
  const sink: WatchSink = {
    started(report: AuditReport) {
      if (!json) return out(auditText(report, color));
      const time = new Date().toISOString();
      for (const finding of report.findings) out(changeJson({ schemaVersion: 1, type: 'current', time, finding }));
      out(changeJson({ schemaVersion: 1, type: 'watching', time, endpoint: report.endpoint, summary: report.summary, evidence: report.evidence, warnings: report.warnings, notes: report.notes }));
    },
    change(change: WatchChange) {
      out(json ? changeJson(change) : changeText(change, color));
      webhook?.post(change);
    },
    warning(text: string) {
      ctx.ui.warn(text);
      const line = { schemaVersion: 1, type: 'warning', time: new Date().toISOString(), warning: text } as const;
      if (json) out(changeJson(line));
      // An alerting pipeline needs to know what it can no longer be alerted about.
      webhook?.post(line);
    },
    close: async () => webhook?.close(WEBHOOK_DRAIN_MS),
  };
  return withSession(args, ctx, (client, endpoint) => watchVcenter(client, endpoint, options, ctx, sink));
}

/** The webhook's TLS: Node's trusted roots, plus a CA of the site's if given. --insecure is for vCenter only. */
async function webhookTls(args: WatchArgs, env: NodeJS.ProcessEnv): Promise<TlsPolicy> {
  const file = args.webhookCaFile ?? env.VMFIX_WEBHOOK_CA_FILE;
  if (!file) return {};
  const ca = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`Cannot read the webhook CA file ${file}.`);
  });
  return { ca: checkedPem(file, ca) };
}
