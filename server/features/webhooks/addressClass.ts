import { isIPv4, isIPv6 } from 'node:net';

/** Where an IP address leads: only `public` is reachable by anyone, so only it is safe to POST to from a server. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unique-local' | 'reserved';

/** Spanish wording for refusal messages: "… resuelve a 10.0.0.1, una dirección privada". */
export const ADDRESS_CLASS_LABEL: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'de loopback (el propio servidor)',
  private: 'privada',
  'link-local': 'de enlace local',
  'unique-local': 'local única (IPv6 ULA)',
  reserved: 'reservada o de uso especial',
};

function ipv4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** CIDR ranges of IPv4 (RFC 6890 special-purpose registry) with what they are; the rest is public. */
const IPV4_RANGES: Array<[base: string, bits: number, cls: AddressClass]> = [
  ['0.0.0.0', 8, 'reserved'], // "this network": 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes cloud metadata endpoints (169.254.169.254)
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'reserved'], // multicast
  ['240.0.0.0', 4, 'reserved'], // future use and broadcast
];

function classifyIPv4(n: number): AddressClass {
  for (const [base, bits, cls] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    if (Math.floor(n / size) === Math.floor(ipv4Number(base) / size)) return cls;
  }
  return 'public';
}

/** The eight 16-bit groups of a valid IPv6 text (zone removed, an embedded dotted quad folded into two groups). */
function ipv6Groups(ip: string): number[] {
  let text = ip.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4Number(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const embeddedIPv4 = (hi: number, lo: number) => hi * 65536 + lo;

function classifyIPv6(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const upper80Zero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upper80Zero && g5 === 0 && g6 === 0 && g7 === 0) return 'reserved'; // ::, unspecified
  if (upper80Zero && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback'; // ::1
  // Forms that carry an IPv4 address lead where that address leads: mapped (::ffff:a.b.c.d), the deprecated
  // compatible form (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
  if (upper80Zero && (g5 === 0xffff || g5 === 0)) return classifyIPv4(embeddedIPv4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIPv4(embeddedIPv4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private'; // local-use NAT64
  if (g0 === 0x2002) return classifyIPv4(embeddedIPv4(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local'; // fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated but still routed by some networks
  if ((g0 & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard-only
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved'; // documentation
  if (g0 === 0x2001 && g1 < 0x200) return 'reserved'; // IETF protocol assignments (Teredo, benchmarking…)
  return 'public';
}

/**
 * Classifies an IP address given as text (IPv4 dotted quad, or IPv6 with or without brackets and zone).
 * Anything that is not an IP address is `reserved`: a caller that could not tell must not connect.
 */
export function classifyAddress(address: string): AddressClass {
  const ip = address.replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(ip)) return classifyIPv4(ipv4Number(ip));
  if (isIPv6(ip)) return classifyIPv6(ipv6Groups(ip));
  return 'reserved';
}
