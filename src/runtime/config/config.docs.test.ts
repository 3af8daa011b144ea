import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { renderConfigurationDoc } from './config.docs.js';
import { configSchema } from './config.schema.js';

test('docs/configuration.md is the rendering of the configuration schema (run `npm run docs:config` when this fails)', () => {
  const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  expect(committed).toBe(renderConfigurationDoc());
});

test('every configuration key is documented with its variable', () => {
  const doc = renderConfigurationDoc();
  for (const entry of Object.values(configSchema)) {
    expect(doc).toContain(`\`${entry.env}\``);
    expect(entry.doc.length).toBeGreaterThan(20);
  }
});
