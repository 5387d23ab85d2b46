// Which subnet an address belongs to, for the per-subnet limits against eclipse attacks: IPv4 /24, IPv6 /48.
// Pure string work on addresses as sockets and URLs give them ("1.2.3.4:5", "[::1]:5", "ws://host:port/mesh").

export interface Subnet {
  /** "v4:1.2.3" or "v6:2001:db8:0" — equal keys are one subnet. */
  readonly key: string;
  readonly loopback: boolean;
}

/** The host part of a URL or of "host:port" / "[v6]:port", lowercased; null when there is none. */
export function hostOf(address: string): string | null {
  let rest = address.trim().toLowerCase();
  const scheme = rest.indexOf('://');
  if (scheme >= 0) rest = rest.slice(scheme + 3);
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.slice(0, slash);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    return end > 1 ? rest.slice(1, end) : null;
  }
  // Exactly one colon: host:port. More: a bare IPv6 address (as a socket reports it).
  const colons = rest.split(':').length - 1;
  if (colons === 1) rest = rest.slice(0, rest.indexOf(':'));
  return rest.length > 0 ? rest : null;
}

function ipv4Parts(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4) return null;
  const numbers = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  return numbers.every((n) => n >= 0 && n <= 255) ? numbers : null;
}

/** The eight 16-bit groups of an IPv6 address; null when it is not one. */
function ipv6Groups(host: string): number[] | null {
  const zone = host.indexOf('%');
  const text = zone >= 0 ? host.slice(0, zone) : host;
  if (!/^[0-9a-f:.]+$/.test(text) || !text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Parts(piece);
        if (v4 === null) return null;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) groups.push(Number.parseInt(piece, 16));
      else return null;
    }
    return groups;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** An IP literal's numbers: IPv4 bytes, or IPv6 16-bit groups; an IPv4-mapped address (::ffff:a.b.c.d) is IPv4. */
type Ip = { readonly v4: number[] } | { readonly v6: number[] };

function ipOfHost(host: string): Ip | null {
  const v4 = ipv4Parts(host);
  if (v4 !== null) return { v4 };
  const v6 = ipv6Groups(host);
  if (v6 === null) return null;
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff)
    return { v4: [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff] };
  return { v6 };
}

const v6Prefix = (groups: readonly number[], count: number): string =>
  groups
    .slice(0, count)
    .map((g) => g.toString(16))
    .join(':');

/** The subnet of an address or URL; a host name (not an IP literal) is its own subnet; null for no host. */
export function subnetOf(address: string): Subnet | null {
  const host = hostOf(address);
  if (host === null) return null;
  const ip = ipOfHost(host);
  if (ip === null) return { key: `host:${host}`, loopback: host === 'localhost' };
  if ('v4' in ip) return { key: `v4:${ip.v4.slice(0, 3).join('.')}`, loopback: ip.v4[0] === 127 };
  const loopback = ip.v6.slice(0, 7).every((g) => g === 0) && ip.v6[7] === 1;
  return { key: `v6:${v6Prefix(ip.v6, 3)}`, loopback };
}

/**
 * The one host an address stands for, as a key: an IPv4 address whole, an IPv6 one by its /64 (the block one
 * host is handed, so it could otherwise be 2^64 "addresses"); a host name is itself; null for no host.
 */
export function hostKeyOf(address: string): string | null {
  const host = hostOf(address);
  if (host === null) return null;
  const ip = ipOfHost(host);
  if (ip === null) return `host:${host}`;
  return 'v4' in ip ? `v4:${ip.v4.join('.')}` : `v6:${v6Prefix(ip.v6, 4)}`;
}
