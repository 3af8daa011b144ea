import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc } from '../src/runtime/config/config.docs.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
process.stdout.write('docs/configuration.md written\n');
