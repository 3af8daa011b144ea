import { type ConfigKey, configSchema } from './config.schema.js';

/** Renders docs/configuration.md from the schema, so the two cannot drift apart. */
export function renderConfigurationDoc(): string {
  const rows = (Object.keys(configSchema) as ConfigKey[]).map((key) => {
    const entry: { env: string; doc: string; defaultDoc: string; isSecretFile?: boolean } = configSchema[key];
    const doc = entry.doc.replace(/\|/g, '\\|');
    return `| \`${entry.env}\` | ${entry.defaultDoc} | ${entry.isSecretFile === true ? 'yes' : ''} | ${doc} |`;
  });
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/runtime/config/config.schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'Writ reads its configuration from environment variables; `writ serve` also takes `--data-dir`, `--host`,',
    '`--port` and `--sftp-port`, which win over the environment. With none set, Writ runs on an embedded SQLite',
    'database and local files in `./writ-data`. Every value is validated at start; an invalid one stops Writ',
    'with a message naming the variable.',
    '',
    'Secrets are never given as values: a *secret file* setting names a file, readable by its owner only',
    '(mode 0600), whose content Writ reads at start. `writ config print` shows the effective configuration',
    'and names secret files without reading them.',
    '',
    '| Variable | Default | Secret file | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
