import { IpClassifier, parseCidr } from '../../src/core/classify-ip';
import { InputError } from '../../src/core/errors';
import { formatIpv6, parseIp } from '../../src/core/ip-address';

describe('IpClassifier: public means the connection uses a SNAT port', () => {
  const classifier = new IpClassifier();

  it.each([
    ['0.1.2.3', false],
    ['10.0.0.1', false],
    ['10.255.255.255', false],
    ['100.64.0.1', false],
    ['100.127.255.255', false],
    ['100.128.0.1', true],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['172.15.255.255', true],
    ['192.168.1.10', false],
    ['192.169.1.1', true],
    ['224.0.0.251', false],
    ['239.255.255.250', false],
    ['240.0.0.1', false],
    ['255.255.255.255', false],
    ['168.63.129.16', false],
    ['168.63.129.17', true],
    ['20.50.2.10', true],
    ['52.239.148.100', true],
    ['::1', false],
    ['::', false],
    ['fc00::1', false],
    ['fd00:10::5', false],
    ['fe80::1', false],
    ['febf::1', false],
    ['fec0::1', true],
    ['ff02::1', false],
    ['2603:1030:403:3::2a', true],
    ['::ffff:10.0.9.9', false],
    ['::ffff:20.60.1.1', true],
    ['::ffff:168.63.129.16', false],
    ['[2603:1030::1]', true],
    ['[fd00:1::7]', false],
  ])('%s -> public %s', (address, expected) => {
    expect(classifier.isPublic(address)).toBe(expected);
  });

  it('treats the user CIDRs as private, for both families', () => {
    const withVnet = new IpClassifier([parseCidr('20.50.0.0/16'), parseCidr('2603:1030::/32')]);
    expect(withVnet.isPublic('20.50.2.10')).toBe(false);
    expect(withVnet.isPublic('20.51.0.1')).toBe(true);
    expect(withVnet.isPublic('2603:1030:403:3::2a')).toBe(false);
    expect(withVnet.isPublic('2603:1031::1')).toBe(true);
  });

  it.each(['not-an-ip', '1.2.3', '1.2.3.256', '01.2.3.4', '', '1::2::3', '12345::1'])(
    'never calls %j public',
    (text) => expect(classifier.isPublic(text)).toBe(false),
  );
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['20.50.2.10', '20.50.2.10/32'],
    ['fd00::/8', 'fd00::/8'],
    ['2603:1030:403::1/48', '2603:1030:403::/48'],
  ])('%s is %s', (text, normalised) => {
    expect(parseCidr(text).text).toBe(normalised);
  });

  it.each([
    '10.0.0.0/33',
    '10.0.0.0/',
    'fd00::/129',
    'banana',
    '10.0.0.0/8/8',
    '::ffff:10.0.0.0/104',
    '10.0.0.0/-1',
  ])('rejects %j with an InputError naming it', (text) => {
    expect(() => parseCidr(text)).toThrow(InputError);
    expect(() => parseCidr(text)).toThrow(`not a CIDR: '${text}'`);
  });
});

describe('parseIp', () => {
  it('folds ::ffff:a.b.c.d to the IPv4 address', () => {
    expect(parseIp('::ffff:20.60.1.1')).toEqual({ version: 4, value: 0x143c0101 });
  });

  it('drops a zone', () => {
    expect(parseIp('fe80::1%eth0')).toEqual({ version: 6, value: (0xfe80n << 112n) | 1n });
  });

  it.each([
    ['2603:1030:403:3:0:0:0:2a', '2603:1030:403:3::2a'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fd00:0:0:1:0:0:0:7', 'fd00:0:0:1::7'],
    ['1:0:0:2:3:4:5:6', '1::2:3:4:5:6'],
  ])('formats %s as %s (RFC 5952)', (text, expected) => {
    const ip = parseIp(text);
    expect(ip?.version).toBe(6);
    expect(formatIpv6(ip?.value as bigint)).toBe(expected);
  });
});
