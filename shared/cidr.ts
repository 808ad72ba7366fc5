/**
 * IPv4 CIDR blocks as address ranges, so config can tell before `pulumi up` what Azure would
 * refuse in the middle of it: a subnet outside its virtual network's address space, or two subnets
 * that overlap (`NetcfgSubnetRangeOutsideVnet`, `NetcfgSubnetRangesOverlap`). Pure.
 */
export interface AddressRange {
  first: number;
  last: number;
}

/** The range a block such as 10.40.0.0/16 covers, or undefined when it is not an IPv4 CIDR block. */
export function rangeOf(block: string): AddressRange | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(block);
  if (match === null) return undefined;
  const [a, b, c, d, bits] = match.slice(1).map(Number) as [number, number, number, number, number];
  if ([a, b, c, d].some((octet) => octet > 255) || bits > 32) return undefined;
  const address = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const size = 2 ** (32 - bits);
  const first = Math.floor(address / size) * size;
  return { first, last: first + size - 1 };
}

export function contains(outer: AddressRange, inner: AddressRange): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function overlaps(x: AddressRange, y: AddressRange): boolean {
  return x.first <= y.last && y.first <= x.last;
}
