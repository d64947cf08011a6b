// What can go wrong talking to vSphere, as typed errors. The library throws
// these; src/errors.ts decides exit codes, and faultAdvice() below is the one
// function that says what a vSphere fault means for the person at the keyboard.
import type { MoRef } from './types.js';

/** A SOAP fault or a task's error: `faultType` is the vim25 fault type, e.g. "NoPermission". */
export class SoapFault extends Error {
  readonly faultType: string;
  /** The decoded MethodFault, with its fields (e.g. privilegeId). */
  readonly detail: Record<string, unknown>;

  constructor(faultType: string, message: string, detail: Record<string, unknown> = {}) {
    super(message || faultType);
    this.name = 'SoapFault';
    this.faultType = faultType;
    this.detail = detail;
  }

  /** NoPermission: the privilege that is missing, e.g. Host.Config.Network. */
  get privilegeId(): string | undefined {
    return this.detail.privilegeId as string | undefined;
  }

  /** NoPermission / ManagedObjectNotFound: the object concerned. */
  get object(): MoRef | undefined {
    return (this.detail.object ?? this.detail.obj) as MoRef | undefined;
  }

  /** From a LocalizedMethodFault, as TaskInfo.error carries it. */
  static fromLocalized(fault: { fault?: Record<string, unknown>; localizedMessage?: string }): SoapFault {
    const detail = fault.fault ?? {};
    const type = (detail._typeName as string | undefined) ?? 'SystemError';
    return new SoapFault(type, fault.localizedMessage ?? '', detail);
  }
}

export type TransportFailure =
  | 'unreachable'      // nothing answered: refused, no route, name not found
  | 'reset'            // the connection dropped mid-request or mid-response
  | 'timeout'          // no complete answer within the request timeout
  | 'tls-untrusted'    // the certificate chain or name did not verify
  | 'tls-mismatch'     // the pinned thumbprint does not match
  | 'http'             // an HTTP status that is not a SOAP answer (HTML error pages, 404)
  | 'not-vsphere'      // it answers HTTPS, but not the vSphere API
  | 'too-large';       // the response passed the size cap

export class TransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    message: string,
    readonly details: { fingerprint?: string; status?: number; code?: string } = {},
  ) {
    super(message);
    this.name = 'TransportError';
  }

  /** A read may be sent again after these; a write never is. */
  get transient(): boolean {
    const status = this.details.status ?? 0;
    return this.failure === 'reset' || this.failure === 'timeout' || (this.failure === 'http' && status >= 500);
  }
}

/** The server answered something that is not a well-formed SOAP envelope. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    /** The answer stopped short (worth asking again), rather than being wrong. */
    readonly truncated = false,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** The privilege each modifying method needs, for NoPermission faults that don't name it. */
const PRIVILEGE_FOR: Record<string, string> = {
  UpdatePortGroup: 'Host.Config.Network',
  UpdateVirtualSwitch: 'Host.Config.Network',
  AddPortGroup: 'Host.Config.Network',
  RemovePortGroup: 'Host.Config.Network',
  ReconfigureDVPortgroup_Task: 'DVPortgroup.Modify',
  CreateDVPortgroup_Task: 'DVPortgroup.Create',
  // Destroy_Task is only ever called on a dvPortgroup vmfix created (a rollback).
  Destroy_Task: 'DVPortgroup.Delete',
  ReconfigVM_Task: 'VirtualMachine.Config.EditDevice',
  BrowseDiagnosticLog: 'Global.Diagnostics',
};

/**
 * One or two sentences: what the fault means and what to do next.
 * `nameOf`: the name of an object the caller knows, for one the fault names by moref.
 */
export function faultAdvice(fault: SoapFault, method?: string, nameOf?: (ref: MoRef) => string | undefined): string {
  const what = fault.message && fault.message !== fault.faultType ? `: ${fault.message}` : '';
  switch (fault.faultType) {
    case 'InvalidLogin':
      return 'vCenter refused the user name or password. Check --user and the password (VMFIX_PASSWORD, --password-stdin or the prompt).';
    case 'NotAuthenticated':
      return 'The vCenter session expired and logging in again did not help. Run the command again.';
    case 'NoPermission': {
      const privilege = fault.privilegeId ?? (method ? PRIVILEGE_FOR[method] : undefined);
      const ref = fault.object;
      const name = ref && nameOf?.(ref);
      const object = ref ? ` on ${name ? `${name} (${ref.type} ${ref.value})` : `${ref.type} ${ref.value}`}` : '';
      return `The vCenter user lacks the privilege ${privilege ?? '(not named by vCenter)'}${object}. Ask your vCenter administrator to grant it, or use an account that has it.`;
    }
    case 'ConcurrentAccess':
      return 'Someone else changed this object at the same time, so vCenter refused the change. Run the command again to see the current state.';
    case 'ManagedObjectNotFound':
      return `An object vmfix was working on no longer exists${fault.object ? ` (${fault.object.type} ${fault.object.value})` : ''}. Run the command again.`;
    case 'MethodNotFound':
      return `This endpoint does not offer ${method ?? 'a method vmfix needs'}; it may be an older vSphere version or not vCenter.`;
    case 'InvalidArgument': {
      const property = fault.detail.invalidProperty ? ` (${String(fault.detail.invalidProperty)})` : '';
      return `vCenter rejected a value vmfix sent${property}${what}.`;
    }
    default:
      return `vCenter returned ${fault.faultType}${what}.`;
  }
}
