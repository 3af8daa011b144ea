import { readFileSync } from 'node:fs';

/** The package version, read from package.json two levels up from both `src/runtime` and `dist/runtime`. */
export function readWritVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}
