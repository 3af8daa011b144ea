import { BlockList, isIP } from 'node:net';

/** Matches peer addresses against addresses and CIDR ranges; IPv4-mapped IPv6 peers match their IPv4 form. */
export function createAddressMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    if (address === undefined) return false;
    const unmapped =
      address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(unmapped) === 6 ? 'ipv6' : 'ipv4';
    return isIP(unmapped) !== 0 && list.check(unmapped, family);
  };
}
