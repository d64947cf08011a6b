// Support bundles built the way ESXi and vCenter lay them out, as real
// directories, tar.gz and zip files: vm-support's esx-<host>-<date>--<time>-<pid>
// tree (README, action.log, error.log, etc/vmware/esx.conf, commands/,
// var/run/log with rotations and FRAG slices, var/log symlinks into
// /var/run/log), and vCenter's "Export System Logs" zip of one .tgz per host.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { create as createTar } from 'tar';
import yazl from 'yazl';

export interface BundleSpec {
  readonly host: string;
  /** vm-support's stamp: "2024-05-14--09.12". */
  readonly stamp: string;
  /** Paths inside the bundle → contents. */
  readonly files: Readonly<Record<string, string | Buffer>>;
  /** Paths inside the bundle → link targets, as vm-support stores them (absolute, into the host's own tree). */
  readonly symlinks?: Readonly<Record<string, string>>;
}

/** The bundle's top directory name. */
export const bundleName = (spec: BundleSpec) => `esx-${spec.host}-${spec.stamp}-2101234`;

const BOILERPLATE: Record<string, string> = {
  README: 'error.log: log containing errors that ocurred while running vm-support\naction.log: a log of all commands, and/or actions run during vm-support\ncommands: a directory containing output files for all commands run\n',
  'action.log': 'Running command: net-stats -l\n',
  'error.log': '',
  'etc/vmware/esx.conf': '/adv/Misc/HostName = "esx01"\n',
};

/** Writes the bundle's tree under `parent`; returns its path. */
export async function writeBundleDir(parent: string, spec: BundleSpec): Promise<string> {
  const root = join(parent, bundleName(spec));
  for (const [path, content] of Object.entries({ ...BOILERPLATE, ...spec.files })) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  for (const [path, target] of Object.entries(spec.symlinks ?? {})) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(target, join(root, path));
  }
  return root;
}

/** The bundle as vm-support hands it over: esx-….tgz (or under another name, as vCenter names its members). */
export async function writeBundleTgz(path: string, spec: BundleSpec): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'vmfix-bundle-'));
  try {
    await writeBundleDir(work, spec);
    await createTar({ gzip: true, file: path, cwd: work, portable: false }, [bundleName(spec)]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface ZipMember {
  readonly name: string;
  readonly content: Buffer;
  /** Unix mode; 0o120777 makes a symbolic link whose target is the content. */
  readonly mode?: number;
  readonly compress?: boolean;
}

export async function writeZip(path: string, members: readonly ZipMember[]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const m of members) {
    zip.addBuffer(m.content, m.name, { mtime: new Date('2024-05-14T09:12:41Z'), ...(m.mode ? { mode: m.mode } : {}), compress: m.compress ?? true });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path);
    zip.outputStream.pipe(out).on('close', resolve).on('error', reject);
  });
}

/** A vCenter download: one <host>-vm<yyyy>-<d>-<mm>@<hh>-<mm>-<ss>.tgz per host, and vCenter's own bundle. */
export async function writeVcenterZip(path: string, hosts: readonly { memberHost: string; spec: BundleSpec }[], extra: readonly ZipMember[] = []): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'vmfix-vc-'));
  try {
    const members: ZipMember[] = [];
    for (const { memberHost, spec } of hosts) {
      const tgz = join(work, 'host.tgz');
      await writeBundleTgz(tgz, spec);
      // Stored, as vCenter stores them: a .tgz does not compress again.
      members.push({ name: `${memberHost}-vm2024-14-05@09-12-41.tgz`, content: await readFile(tgz), compress: false });
    }
    members.push({ name: 'vcsa01.lab.local-vcsupport2024-14-05@09-12-40.tgz', content: gzipSync('not a host bundle'), compress: false });
    await writeZip(path, [...members, ...extra]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Splits a file's bytes into vm-support FRAG slices: name.FRAG-00000 … (raw slices, not separate gzip members). */
export function fragments(name: string, content: Buffer, slices: number): Record<string, Buffer> {
  const size = Math.ceil(content.length / slices);
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < slices; i++) out[`${name}.FRAG-${String(i).padStart(5, '0')}`] = content.subarray(i * size, (i + 1) * size);
  return out;
}

// ---------------------------------------------------------------------------
// Lines in ESXi 8's own form (vmkernel.log as the host writes it).

export const esxi8 = (time: string, body: string, cpu = 'cpu3:2098131') => `${time} In(182) vmkernel: ${cpu})${body}`;
export const macChange = (vm: string, mac: string, port: string) =>
  `etherswitch: L2Sec_EnforcePortCompliance:247: client ${vm} requested mac address change to ${mac} on port ${port}, disallowed by vswitch policy`;
export const violation = (vm: string, port: string) => `etherswitch: L2Sec_EnforcePortCompliance:155: client ${vm} has policy violations on port ${port}. Port is blocked`;
export const peer = (port: string) => `etherswitch: L2Sec_EnforcePortCompliance: ${port}: peer not allowed to change address, blocking port`;

/** n lines of ordinary vmkernel chatter, one a second from `from`. */
export function chatter(from: string, n: number): string[] {
  const start = Date.parse(from);
  return Array.from({ length: n }, (_, i) => esxi8(new Date(start + i * 1000).toISOString(), `NetSched: 717: ${i}: non-L2Sec line of the usual chatter`, `cpu${i % 8}:2097${100 + (i % 800)}`));
}

export const text = (lines: readonly string[]) => lines.join('\n') + '\n';
