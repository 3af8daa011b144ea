/** Why a requested path was refused before it reached the documents tree. */
export type PathRefusal = 'path_escape' | 'control_character' | 'name_too_long';

export const sftpPathLimits = { segmentBytes: 255, pathBytes: 4096 } as const;

/**
 * Normalizes a client path into segments under the virtual root. Relative paths start at `/`; `.` is
 * dropped and `..` steps up, but never above the root: that, control characters (NUL included) and
 * overlong names are refused rather than silently rewritten.
 */
export function normalizeSftpPath(raw: string): { segments: string[] } | { refusal: PathRefusal } {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { refusal: 'control_character' };
  if (Buffer.byteLength(raw) > sftpPathLimits.pathBytes) return { refusal: 'name_too_long' };
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return { refusal: 'path_escape' };
      segments.pop();
      continue;
    }
    if (Buffer.byteLength(segment) > sftpPathLimits.segmentBytes) return { refusal: 'name_too_long' };
    segments.push(segment);
  }
  return { segments };
}

export function formatSftpPath(segments: readonly string[]): string {
  return `/${segments.join('/')}`;
}
