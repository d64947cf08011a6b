// A vmkernel log event as a finding's evidence: the contract's fields, and
// a sentence. One function for the online and the offline audit.
import type { L2SecEvent } from '../evidence/vmkernel-log.js';
import type { Evidence } from './finding.js';

export function logEvidence(e: L2SecEvent): Evidence {
  return {
    type: 'vmkernel-log',
    detail: logDetail(e),
    time: e.time,
    line: e.line,
    ...(e.vmName ? { vmName: e.vmName } : {}),
    ...(e.mac ? { mac: e.mac } : {}),
    ...(e.port ? { port: e.port } : {}),
    source: e.source,
    count: e.count,
    firstTime: e.firstTime,
    lastTime: e.lastTime,
  };
}

function logDetail(e: L2SecEvent): string {
  const times = e.count > 1 ? ` (${e.count} times${e.firstTime ? `, ${e.firstTime} to ${e.lastTime}` : ''})` : '';
  switch (e.message) {
    case 'mac-change-requested':
      return `vmkernel on ${e.source}: the guest asked to change its MAC to ${e.mac} on port ${e.port}; refused by policy${times}.`;
    case 'policy-violation-blocked':
      return `vmkernel on ${e.source}: port ${e.port} blocked for policy violations${times}.`;
    case 'peer-blocked':
      return `vmkernel on ${e.source}: port ${e.port} blocked, the peer may not change its address${times}.`;
  }
}
