/** A benchmark setting read from the command line or the environment, refused unless a whole number. */
export function parsePositiveInteger(name: string, raw: string, { allowZero = false } = {}): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || (value === 0 && !allowZero))
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${raw}".`);
  return value;
}
