/**
 * Where to go after sign-in: the `next` query parameter when it is a path on this site, else the start page.
 * @NOTE `next` comes from a URL anyone can craft, so only a single-slash path is followed: `//evil.example`,
 * `/\evil.example` (browsers read a backslash as a slash) and absolute URLs would leave the site with the
 * person's fresh session in hand (an open redirect). The URL parser has the last word on the origin.
 */
export function safeNextPath(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//')) return '/';
  // Control characters, spaces and backslashes have no place in a path Writ produced; browsers strip or
  // reinterpret some of them.
  for (let index = 0; index < next.length; index += 1) {
    const unit = next.charCodeAt(index);
    if (unit <= 0x20 || unit === 0x7f || unit === 0x5c) return '/';
  }
  let resolved: URL;
  try {
    resolved = new URL(next, window.location.origin);
  } catch {
    return '/';
  }
  if (resolved.origin !== window.location.origin) return '/';
  if (resolved.pathname === '/sign-in') return '/';
  return resolved.pathname + resolved.search + resolved.hash;
}
