import ipaddr from 'ipaddr.js';

/**
 * The key a per-client limit counts under for a request's IP address (`request.ip`): an IPv4 address as
 * itself (also when written IPv4-mapped, `::ffff:203.0.113.7`), an IPv6 address by its /64 network
 * (`2001:db8:1:2::/64`), since one subscriber is usually given a whole /64 and could otherwise rotate
 * through 2^64 addresses. A value that is not an IP address is returned unchanged.
 */
export function clientKey(ip: string): string {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip).toString();
  if (!ipaddr.IPv6.isValid(ip)) return ip;
  const address = ipaddr.IPv6.parse(ip);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  const network = new ipaddr.IPv6([...address.parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toRFC5952String()}/64`;
}
