/**
 * The boundaries of DESIGN.md, checked on every `npm run lint`.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make start-up order and testing fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'shared-knows-no-domain',
      severity: 'error',
      comment: 'src/shared is domain-free: it never imports modules, runtime or migrations.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(modules|runtime|migrations|main)' },
    },
    {
      name: 'modules-do-not-import-runtime',
      severity: 'error',
      comment: 'Modules are called by the runtime, never the reverse.',
      from: { path: '^src/modules/' },
      to: { path: '^src/(runtime|main)' },
    },
    {
      name: 'modules-meet-through-their-public-files',
      severity: 'error',
      comment:
        'A module reaches another only through its use-cases, models, errors, events and schemas; repositories and tables are private.',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/([^/]+)/',
        pathNot: ['^src/modules/$1/', '\\.(usecases|models|errors|events|schemas)\\.ts$'],
      },
    },
    {
      name: 'front-doors-skip-repositories',
      severity: 'error',
      comment: 'Transports call use-cases; they never query a module repository directly.',
      from: { path: '^src/runtime/(http|sftp|cli)/' },
      to: { path: '^src/modules/[^/]+/[^/]+\\.repository\\.ts$' },
    },
    {
      name: 'production-code-does-not-import-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.(test|test-utils)\\.ts$' },
      to: { path: '(^test/|\\.test\\.ts$|\\.test-utils\\.ts$)' },
    },
    {
      name: 'no-orphans',
      severity: 'warn',
      from: {
        orphan: true,
        pathNot: ['\\.d\\.ts$', '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts)$', '\\.test\\.ts$', '\\.test-utils\\.ts$'],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
