// The option groups shared by commands, declared once with their env
// fallbacks (shown in --help the way govc shows [GOVC_URL]).
import type { Options } from 'yargs';

type OptionGroup = Record<string, Options>;

const env = (...names: string[]) => ` [${names.join(', ')}]`;

export const CONNECTION: OptionGroup = {
  vcenter: { type: 'string', group: 'Connection:', describe: `vCenter or ESXi: HOST[:PORT] or https://host/sdk${env('VMFIX_VCENTER', 'GOVC_URL')}` },
  user: { type: 'string', group: 'Connection:', describe: `user name${env('VMFIX_USER', 'GOVC_USERNAME')}` },
  'password-stdin': { type: 'boolean', group: 'Connection:', describe: `read the password from stdin (else${env('VMFIX_PASSWORD', 'GOVC_PASSWORD')} or a prompt)` },
  insecure: { type: 'boolean', group: 'Connection:', describe: `skip TLS verification (warns)${env('VMFIX_INSECURE=1', 'GOVC_INSECURE=1')}` },
  thumbprint: { type: 'string', group: 'Connection:', describe: `trust the certificate with this SHA-256 fingerprint${env('VMFIX_THUMBPRINT')}` },
  'ca-file': { type: 'string', group: 'Connection:', describe: `extra trusted CA certificate (PEM)${env('VMFIX_CA_FILE')}` },
  timeout: { type: 'number', group: 'Connection:', default: 60, describe: 'seconds to wait for each vSphere request' },
};

export const SCOPE: OptionGroup = {
  datacenter: { type: 'string', array: true, group: 'Scope:', describe: 'only this datacenter (repeatable)' },
  cluster: { type: 'string', array: true, group: 'Scope:', describe: 'only this cluster (repeatable)' },
  host: { type: 'string', array: true, group: 'Scope:', describe: 'only this host (repeatable)' },
  vm: { type: 'string', array: true, group: 'Scope:', describe: 'only VMs whose name matches this glob (repeatable)' },
};

export const OUTPUT: OptionGroup = {
  format: { type: 'string', choices: ['table', 'json', 'markdown', 'csv'], default: 'table', group: 'Output:', describe: 'result format' },
  output: { type: 'string', group: 'Output:', describe: 'write the result to this file instead of stdout' },
};

export const EVIDENCE: OptionGroup = {
  'vmkernel-log': { type: 'string', array: true, group: 'Evidence:', describe: 'vmkernel log files, .gz rotations or vm-support bundle directories; without --vcenter: an offline audit' },
  'log-lines': { type: 'number', default: 5000, group: 'Evidence:', describe: "lines read from the end of each host's vmkernel log" },
  concurrency: { type: 'number', default: 8, group: 'Evidence:', describe: 'hosts whose logs are read at once' },
};

export const COMMON: OptionGroup = {
  debug: { type: 'boolean', describe: 'stack traces, and SOAP traffic (secrets redacted) on stderr' },
};

export interface ConnectionArgs {
  vcenter?: string;
  user?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
  thumbprint?: string;
  caFile?: string;
  timeout: number;
}

export interface ScopeArgs {
  datacenter?: string[];
  cluster?: string[];
  host?: string[];
  vm?: string[];
}

export type Format = 'table' | 'json' | 'markdown' | 'csv';

export interface OutputArgs {
  format: Format;
  output?: string;
}

export interface CommonArgs {
  debug?: boolean;
}
