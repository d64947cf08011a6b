import { describe, expect, it } from 'vitest';
import { hostFinder } from '../../src/inventory/lookup.js';
import { host } from '../helpers/inventory.js';

const named = (moref: string, name: string, dnsConfig: { hostName: string; domainName: string } | null, managementIps: string[] = []) => ({ ...host(moref, name, [], []), dnsConfig, managementIps });

describe('the host a log names', () => {
  it('vCenter\'s own name first, then a name exactly one host answers to', () => {
    const find = hostFinder([named('host-1', 'esx01.lab.local', { hostName: 'esx01', domainName: 'lab.local' }, ['198.18.0.1']), named('host-2', '10.0.0.5', { hostName: 'ESX05', domainName: 'lab.local' }, ['10.0.0.5'])]);
    expect(['esx01', 'ESX01.LAB.LOCAL', '198.18.0.1', 'esx05', 'esx05.lab.local', '10.0.0.5'].map((n) => find(n)?.moref)).toEqual(['host-1', 'host-1', 'host-1', 'host-2', 'host-2', 'host-2']);
    // An IP address's first label is no short name.
    expect(find('10')).toBeUndefined();
  });

  it('a hostName given as an FQDN: its first label is the short name', () => {
    const find = hostFinder([named('host-1', '10.0.0.9', { hostName: 'esx09.lab.local', domainName: 'lab.local' })]);
    expect(['esx09', 'esx09.lab.local'].map((n) => find(n)?.moref)).toEqual(['host-1', 'host-1']);
  });

  it('never by a name any host may carry: localhost, loopback, link-local', () => {
    const find = hostFinder([named('host-1', '10.0.0.7', { hostName: 'localhost', domainName: 'localdomain' }, ['10.0.0.7', '127.0.0.1', '169.254.1.1', 'fe80::1', 'FEBF::2', '::1'])]);
    expect(['localhost', 'localhost.localdomain', '127.0.0.1', '169.254.1.1', 'fe80::1', 'febf::2', '0:0::1'].map((n) => find(n))).toEqual(Array(7).fill(undefined));
  });

  it('an IPv6 address in any of its forms, and an IPv4 address written IPv4-mapped (::ffff:10.0.0.5)', () => {
    const find = hostFinder([named('host-1', 'esx01.lab.local', null, ['10.0.0.1', 'FD00:1:0:0::1']), named('host-2', '10.0.0.2', null), named('host-3', 'fd00:3::3', null)]);
    expect(['fd00:1::1', 'fd00:1:0:0:0:0:0:1', '::ffff:10.0.0.1', '::FFFF:10.0.0.2', '::ffff:a00:2', 'FD00:3:0::3'].map((n) => find(n)?.moref)).toEqual(['host-1', 'host-1', 'host-1', 'host-2', 'host-2', 'host-3']);
    expect(find('::ffff:10.0.0.9')).toBeUndefined();
  });

  it('a name two hosts answer to is neither\'s, and vCenter\'s exact name still wins over another host\'s alias', () => {
    const find = hostFinder([named('host-1', 'esx01', { hostName: 'esx09', domainName: '' }), named('host-2', 'esx02', { hostName: 'esx09', domainName: '' }), named('host-3', 'esx03', { hostName: 'esx01', domainName: '' })]);
    expect(find('esx09')).toBeUndefined();
    expect(find('esx01')?.moref).toBe('host-1');
  });
});
