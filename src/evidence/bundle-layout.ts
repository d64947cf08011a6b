// Where things are in ESXi's vm-support bundles (ESXi 5.x-8.x) and in
// vCenter's "Export System Logs" download, told by name alone:
//   VMware-vCenter-support-2024-05-14@09-12-40.zip
//   ├── esx01.lab.local-vm2024-14-05@09-12-41.tgz       one per host
//   │   └── esx-esx01.lab.local-2024-05-14--09.12-2101234/
//   │       ├── commands/net-stats_-l.txt               port ids and the clients on them
//   │       ├── var/log/vmkernel.log -> /var/run/log/…  a symbolic link: never followed
//   │       └── var/run/log/vmkernel.log, vmkernel.0.gz … vmkernel.7.gz,
//   │           vmkernel.log.FRAG-00000, -00001 …       a large file split in ~1 MiB slices
//   └── vcsa01-vcsupport2024-14-05@09-12-40.tgz         vCenter's own logs: no vmkernel log
import { basename } from 'node:path';

export interface BundleRoot {
  /** The host as ESXi named itself; it may contain dots and dashes. */
  readonly hostName: string;
  /** When vm-support ran (ms, UTC as the host's clock), where the name says. */
  readonly collected: number | null;
}

// esx-<host>-<yyyy>-<mm>-<dd>--<hh>.<mm>-<n>, parsed from the right: the host may contain dashes.
const BUNDLE = /^esx-(.+?)-(\d{4})-(\d{2})-(\d{2})(?:--(\d{2})\.(\d{2})(?:-\d+)?)?(?:\.tgz|\.tar\.gz|\.tar)?$/;

/** The vm-support bundle a directory (or archive) name is, if it is one. */
export function bundleRoot(name: string): BundleRoot | null {
  const m = BUNDLE.exec(basename(name));
  if (!m) return null;
  const [, hostName, year, month, day, hour, minute] = m;
  const collected = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 23), Number(minute ?? 59));
  return { hostName: hostName!, collected: Number.isNaN(collected) ? null : collected };
}

/**
 * The innermost directory of `path` (a member's path, '/'-separated) named like a bundle, with its
 * path; null outside any bundle.
 */
export function bundleOfMember(path: string): { path: string; root: BundleRoot } | null {
  const steps = path.split('/').slice(0, -1);
  for (let depth = steps.length; depth > 0; depth--) {
    const root = bundleRoot(steps[depth - 1]!);
    if (root) return { path: steps.slice(0, depth).join('/'), root };
  }
  return null;
}

/**
 * A log file on disk still where vm-support put it in its extracted bundle
 * (…/esx-<host>-<date>--<time>-<pid>/var/run/log/vmkernel.log, or var/log/): that bundle. `path`: absolute, '/'-separated.
 */
export function bundleOfExtractedLog(path: string): { path: string; root: BundleRoot } | null {
  const bundle = bundleOfMember(path);
  return bundle && /^var\/(?:run\/)?log\/[^/]+$/.test(path.slice(bundle.path.length + 1)) ? bundle : null;
}

/**
 * The host a bundle is of. ESXi calls a host never given a name `localhost`: two such bundles may be two
 * hosts, whose port ids must not mix and whose newest line must not set the other's window. vCenter's
 * name for it (its download's member name) tells them apart; else the bundle's own name does, until
 * esx.conf's system UUID shows two bundles to be of one host (files.ts joins them).
 */
export function bundleHost(bundle: { path: string; root: { hostName: string } }, hostHint: string | null): string {
  if (!unnamedHost(bundle.root)) return bundle.root.hostName;
  return hostHint ?? `${bundle.root.hostName} (${basename(bundle.path)})`;
}

/** A bundle of a host never given a name (ESXi's `localhost`). */
export const unnamedHost = (root: { hostName: string }): boolean => /^localhost(?:\.|$)/i.test(root.hostName);

// vCenter names each host's bundle "<host as vCenter knows it>-vm<yyyy>-<d>-<mm>@<hh>-<mm>-<ss>.tgz"
// (day and month in that odd order); older vCenters "<host>-vmsupport-<yyyy>-<mm>-<dd>@…".
const VCENTER_HOST_BUNDLE = /^(.+?)-vm(?:support-)?\d{4}-\d{1,2}-\d{1,2}@[\d-]+\.(?:tgz|tar\.gz)$/;
const VCENTER_OWN_BUNDLE = /-vcsupport-?\d{4}-\d{1,2}-\d{1,2}@[\d-]+\.(?:tgz|tar\.gz)$/;

/** The host a member of vCenter's download is about, from its name alone. */
export function vcenterMemberHost(name: string): string | null {
  return VCENTER_HOST_BUNDLE.exec(basename(name))?.[1] ?? null;
}

/** vCenter's own support bundle inside its download: no host's vmkernel log is in it. */
export function isVcenterOwnBundle(name: string): boolean {
  return VCENTER_OWN_BUNDLE.test(basename(name));
}

/** A host's vm-support bundle by its name, as vm-support or vCenter's download names it. */
export function isHostBundleName(name: string): boolean {
  return vcenterMemberHost(name) !== null || bundleRoot(name) !== null;
}

// Compressions vmfix does not read, on what would otherwise be a vmkernel log or a host bundle: a
// collector's logrotate set to compresscmd xz, a bundle packed again for storage.
const BEYOND_REACH = /(?:\.tar)?\.(?:xz|bz2|zst|lz4|lz|7z|rar)$|\.(?:txz|tbz2?|tzst)$/i;

/** What a file that vmfix cannot decompress is by its name: a vmkernel log, a host bundle, or neither (null). */
export function compressedBeyondReach(name: string): 'a vmkernel log' | 'a host bundle' | null {
  const base = basename(name);
  const m = BEYOND_REACH.exec(base);
  if (!m) return null;
  const stem = base.slice(0, m.index);
  if (vmkernelLogName(stem)) return 'a vmkernel log';
  return isHostBundleName(`${stem}.tgz`) ? 'a host bundle' : null;
}

export function isArchiveName(name: string): boolean {
  return /\.(?:tgz|tar\.gz|tar|zip)$/i.test(name);
}

export interface LogFileName {
  /** The file the member is (or is a fragment of): the path without ".FRAG-nnnnn". */
  readonly file: string;
  /** Its family: the path without rotation number, ".log" or ".gz" ("var/run/log/vmkernel"). */
  readonly family: string;
  /** Rotation age: -1 for the live log, 0 for vmkernel.0.gz (the newest rotation), and so on. */
  readonly age: number;
  /** The slice number of a fragment (FRAG-00000 is the start of the file), else null. */
  readonly fragment: number | null;
  /** vmkwarning.log: only what vmkernel logs as a warning, so not the whole of a host's vmkernel lines. */
  readonly warnings: boolean;
}

// vmkernel.log (ESXi 5+), vmkernel (ESX 4.x), and their rotations vmkernel.0.gz,
// vmkernel.1, vmkernel.log.1.gz ..., or a syslog collector's as logrotate's
// dateext names them, vmkernel.log-20240513.gz (-%Y%m%d as RHEL ships it, or
// hourly -%Y%m%d%H); and vmkwarning.log, the lines vmkernel logs as warnings
// or alerts: a copy of vmkernel.log's (a line both hold counts once), kept
// longer, for it fills slowly.
const ROTATION = '(?:\\.(\\d+)|-(\\d{8}(?:\\d{2})?))?';
const VMKERNEL_LOG = new RegExp(`^(vmkernel|vmkwarning)(?:\\.log)?${ROTATION}(?:\\.log)?(?:\\.gz)?(?:\\.FRAG-(\\d{5}))?$`);
const ANY_LOG = new RegExp(`^(.+?)(?:\\.log)?${ROTATION}(?:\\.log)?(?:\\.gz)?$`);
/** Dated rotations are older than any numbered one, and the later the date, the younger. */
const DATED_AGE = 1e10;

/** A vmkernel log (or a fragment of one), by name; null for any other file. */
export function vmkernelLogName(path: string): LogFileName | null {
  const name = basename(path);
  const m = VMKERNEL_LOG.exec(name);
  if (!m) return null;
  const file = m[4] === undefined ? path : path.slice(0, -'.FRAG-00000'.length);
  return { file, family: path.slice(0, path.length - name.length) + m[1]!, age: ageOf(m[2], m[3]), fragment: m[4] === undefined ? null : Number(m[4]), warnings: m[1] === 'vmkwarning' };
}

/**
 * A file named like a vmkernel log by no name ESXi or logrotate gives one (vmkernel.log.bak,
 * vmkernel.log.old, vmkernel.log~: an admin's copy, an editor's backup); not what is read anyway
 * (a log, a packed log or bundle, an archive).
 */
export function vmkernelLogUnderOtherName(path: string): boolean {
  const name = basename(path);
  return /vmkernel/i.test(name) && !vmkernelLogName(name) && !compressedBeyondReach(name) && !isArchiveName(name);
}

/**
 * Such a file whose name says whose log it is besides "vmkernel" (esx01-vmkernel.log, vmkernel_esx02.txt): outside
 * a bundle, a log of its own, as a collector's or an admin's copy of each host's log, not its folder's vmkernel.log
 * under another name (vmkernel.log.bak, vmkernel.log.old-2024-05-14, vmkernel.log~, "vmkernel copy.log").
 */
export function namesItsOwnLog(path: string): boolean {
  const rest = basename(path).replace(/vmkernel/gi, '').replace(/\b(?:log|gz|txt|bak|backup|old|orig|save|saved|copy|prev|tmp)\b/gi, '');
  return /[a-z]/i.test(rest);
}

/** Whether a rotation age is the live log's (-1) or a numbered rotation's (N of vmkernel.N.gz), whose run has no gaps on a host. */
export const isNumberedAge = (age: number): boolean => age >= -1 && age < DATED_AGE / 1e4;

/** The rotation age given such a file: older than any rotation, for its place among them is unknown. */
export const UNKNOWN_AGE = 2 * DATED_AGE;

/** Any log file by the same rotation grammar ("syslog.3.gz" → family "syslog"): for files named on the command line. */
export function rotationOf(name: string): { family: string; age: number } {
  const m = ANY_LOG.exec(name);
  return { family: m?.[1] ?? name, age: ageOf(m?.[2], m?.[3]) };
}

function ageOf(number: string | undefined, date: string | undefined): number {
  if (number !== undefined) return Number(number);
  return date === undefined ? -1 : DATED_AGE - Number(date.padEnd(10, '0'));
}

/**
 * What macOS adds where it zips or copies a folder: an AppleDouble "._name" beside each file (under
 * __MACOSX/ in its zips). Its metadata, never a log, whatever the name it shadows.
 */
export function isMacMetadata(path: string): boolean {
  return path.split('/').some((step) => step === '__MACOSX' || step.startsWith('._'));
}

/** ESXi's configuration as vm-support copies it (/etc/vmware/* into the bundle): it holds the host's system UUID. */
export function isEsxConf(path: string): boolean {
  return /(?:^|\/)etc\/vmware\/esx\.conf$/.test(path);
}

/**
 * The host's system UUID in esx.conf (`/system/uuid = "473027ac-5705f21d-6d09-000c2918f3dd"`), lower case;
 * null where none is. It stays with the host across reboots and renames, so it tells apart bundles
 * whose host name does not (every unnamed host is "localhost").
 */
export function systemUuid(esxConf: string): string | null {
  return /^\/system\/uuid\s*=\s*"([0-9A-Fa-f-]{8,})"\s*$/m.exec(esxConf)?.[1]!.toLowerCase() ?? null;
}

/** `net-stats -l` as vm-support saves it under commands/ (some bundles number their command files: "1.net-stats_-l.txt"). */
export function isNetStatsListing(path: string): boolean {
  return /(?:^|\/)commands\/(?:\d+\.)?net-stats_-l\.txt$/.test(path);
}

// ESXi's other programs' logs, as ESXi names them (and a collector that files by program): vmkernel writes
// none of its lines there, and hostd's alone can be gigabytes.
const OTHER_PROGRAMS = new Set(['hostd', 'hostd-probe', 'vpxa', 'fdm', 'vobd', 'shell', 'auth', 'rhttpproxy', 'vmksummary', 'vmauthd', 'sdrsinjector', 'usb', 'dhclient', 'esxupdate', 'lacp', 'sysboot', 'clomd', 'osfsd', 'vsanvpd', 'vvold', 'vmkdevmgr', 'jumpstart', 'loadESX', 'Xorg', 'nfcd', 'iofiltervpd', 'storagerm', 'smartd', 'epd', 'envoy', 'kmxd', 'attestd', 'settingsd', 'sandboxd', 'vpxd', 'vmware']);

/** Another ESXi program's log by its name (hostd.log, vpxa.0.gz): never read for vmkernel lines. */
export function isOtherProgramLog(name: string): boolean {
  return OTHER_PROGRAMS.has(rotationOf(basename(name)).family);
}

/**
 * What becomes of a file no name marks as vmkernel's (nor as a listing, an esx.conf, an archive), in a folder
 * given or an archive alike: outside any bundle it is read by its content (a collector files a host's lines
 * under any name); another program's log by its name is not read, and said; a bundle's other files (other
 * programs' logs, command output: what vm-support names, it reads by name) and macOS metadata are nothing.
 */
export function byContentRule(path: string): 'read' | 'other-program' | 'nothing' {
  if (bundleOfMember(path) || isMacMetadata(path)) return 'nothing';
  return isOtherProgramLog(path) ? 'other-program' : 'read';
}
