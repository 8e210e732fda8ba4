import ipaddr from 'ipaddr.js';

// Until @shop/platform has its clientKey(): one IPv6 subscriber usually holds a whole /64, so counting
// per address would give each of them 2^64 fresh budgets.
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const prefix = address.toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...prefix, ...new Array<number>(8).fill(0)]).toString()}/64`;
}
