// The one errors module: every failure a user can meet is a VmfixError whose
// class fixes the exit code of CLI-CONTRACT.md. Library code (src/vsphere)
// throws its own SoapFault/TransportError; describeError() below is the one
// place that turns anything thrown into an exit code and a plain message.

import { faultAdvice, ProtocolError, SoapFault, TransportError } from './vsphere/faults.js';

export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  connection: 3,
  changeFailed: 4,
  drift: 5,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class VmfixError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, values or files: nothing was attempted. */
export class UsageError extends VmfixError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.usage, message, options);
  }
}

/** A change failed or vCenter refused it; the journal says what applied. */
export class ChangeError extends VmfixError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.changeFailed, message, options);
  }
}

/** vCenter refused a change (a privilege missing), or reading it back shows it did not apply: the object is as it was. */
export class NotAppliedError extends ChangeError {}

/** What a plan or journal was made against is no longer what vCenter holds. */
export class DriftError extends VmfixError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ExitCode.drift, message, options);
  }
}

/**
 * A change that was never sent: the journal could not record it first. Exit 4 when
 * earlier changes are on record; 2 when nothing is, as for a journal never created.
 */
export class NotSentError extends VmfixError {}

/** Ctrl-C or SIGTERM; the journal is complete up to the interruption. */
export class InterruptedError extends VmfixError {
  constructor(message = 'Interrupted.') {
    super(ExitCode.interrupted, message);
  }
}

/** Unexpected failures: a bug, reported as such (not in the contract's table; see README). */
const INTERNAL_ERROR_EXIT = 70;

/**
 * The one place anything thrown becomes what the user reads and the exit
 * code: one or two plain sentences saying what failed and what to do next.
 */
export function describeError(err: unknown): { exitCode: number; message: string } {
  if (err instanceof VmfixError) return { exitCode: err.exitCode, message: err.message };
  if (err instanceof TransportError) return { exitCode: ExitCode.connection, message: transportMessage(err) };
  if (err instanceof ProtocolError) {
    return { exitCode: ExitCode.connection, message: `The server sent a malformed answer: ${err.message}. Run again; if it persists, run with --debug.` };
  }
  if (err instanceof SoapFault) return { exitCode: ExitCode.connection, message: faultAdvice(err) };
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: INTERNAL_ERROR_EXIT, message: `Internal error: ${message}. This is a bug in vmfix; please report it with the output of --debug.` };
}

/**
 * vCenter, or the path to it, failing in the middle of a run, as a VmfixError (exit 3), so that
 * the run stops like on a refusal and still reports what applied; anything else (a bug) is not.
 */
export function asVmfixError(err: unknown): VmfixError | undefined {
  if (err instanceof VmfixError) return err;
  if (err instanceof TransportError || err instanceof ProtocolError || err instanceof SoapFault) {
    return new VmfixError(ExitCode.connection, describeError(err).message, { cause: err });
  }
  return undefined;
}

function transportMessage(err: TransportError): string {
  const fingerprint = err.details.fingerprint;
  switch (err.failure) {
    case 'unreachable':
      return `Cannot connect: ${err.message}. Check --vcenter and that port 443 (or the one given) is reachable.`;
    case 'reset':
      return `${capitalize(err.message)}. Check the network path to vCenter and run again.`;
    case 'timeout':
      return `${capitalize(err.message)}. Check the network, or allow more time with --timeout SECONDS.`;
    case 'tls-untrusted':
      return fingerprint
        ? `${capitalize(err.message)}. Its SHA-256 fingerprint is ${fingerprint}; if that is your server's certificate, run again with --thumbprint ${fingerprint} (or trust your CA with --ca-file).`
        : `${capitalize(err.message)}.`;
    case 'tls-mismatch':
      return `${capitalize(err.message)}. The certificate was replaced or someone is intercepting the connection; verify it before pinning the new one.`;
    case 'not-vsphere':
      return `${capitalize(err.message)}. Check --vcenter: it must be a vCenter Server or ESXi host.`;
    case 'http':
      return `${capitalize(err.message)}: the vSphere API is not answering properly right now. Run again later.`;
    case 'too-large':
      return `${capitalize(err.message)}; narrow the run with --datacenter, --cluster or --host.`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
