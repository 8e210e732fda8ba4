import process from 'node:process';
import js from '@eslint/js';
import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads the project graph that Nx caches in .nx/ and silently skips itself
// when there is none (a fresh clone, an editor, plain `npx eslint`), or checks stale tags. Nx tasks run
// right after Nx wrote it; everywhere else it is brought up to date here (about a second).
if (!process.env.NX_TASK_TARGET_PROJECT) await createProjectGraphAsync({ exitOnError: false });

// Libraries by layer, bottom first (the `type:*` tag in each project.json): a library imports only its own
// layer and those below. Apps sit on the infrastructure and never load the test kit; tools may use it all.
const LIBRARY_LAYERS = ['type:contracts', 'type:platform', 'type:infra', 'type:test-kit'];
const upTo = (layer) => LIBRARY_LAYERS.slice(0, LIBRARY_LAYERS.indexOf(layer) + 1);
const SCOPES = ['auth', 'product', 'order', 'payment', 'gateway', 'web'];

/** The boundary rule; tests may also import the test kit, whatever they test. */
function moduleBoundaries({ tests }) {
  const withTestKit = (tags) => [...new Set([...tags, ...(tests ? ['type:test-kit'] : [])])];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        ...LIBRARY_LAYERS.map((layer) => ({
          sourceTag: layer,
          onlyDependOnLibsWithTags: withTestKit(upTo(layer)),
        })),
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: withTestKit(upTo('type:infra')) },
        { sourceTag: 'type:tool', onlyDependOnLibsWithTags: upTo('type:test-kit') },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        ...SCOPES.map((scope) => ({
          sourceTag: `scope:${scope}`,
          onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'],
        })),
        { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared'] },
      ],
    },
  ];
}

const TEST_FILES = ['apps/*/test/**', 'libs/*/test/**', '**/*.test.ts'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/src/generated/**', '**/.nx/**', '**/.cache/**', 'apps/web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ tests: false }),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through the validated config schema (loadConfig) instead.',
        },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries({ tests: true }) },
  },
  {
    // The domain is plain TypeScript: use cases and rules that any transport or store can drive.
    files: ['apps/*/src/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@shop/platform',
              message:
                'The platform barrel loads Fastify, pino and undici; import the error helpers from @shop/platform/errors.',
            },
          ],
          patterns: [
            {
              group: ['fastify', 'fastify/*', 'fastify-plugin', '@fastify/*'],
              message: 'Fastify belongs in routes/ and plugins/; the domain receives plain values.',
            },
            {
              group: ['prisma', '@prisma/*', '**/generated/**', '**/data-access/**'],
              message:
                'Storage belongs in data-access/; the domain talks to it through the ports it declares.',
            },
            {
              group: ['ioredis', 'kafkajs', 'pg', 'undici'],
              message: 'Drivers belong in plugins/ and data-access/; the domain talks to them through ports.',
            },
            {
              group: [
                '@shop/database',
                '@shop/database/*',
                '@shop/events',
                '@shop/events/*',
                '@shop/cache',
                '@shop/idempotency',
              ],
              message:
                'Infrastructure libraries load drivers; the domain declares a port in domain/ports.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only the config loader, the telemetry bootstrap, the test kit and tools read the environment.
    files: [
      '**/prisma.config.ts',
      'libs/platform/src/config/**',
      'libs/platform/src/telemetry/**',
      'libs/testing/**',
      'tools/**',
      'k8s/src/**',
      'docker/**',
      '**/test/**',
      '**/*.test.ts',
      'bench/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Benchmarks drive whole services (seed them, run them in-process, measure them) and the bench runner
    // reads their figures; nothing imports them, so they cannot entangle the module graph.
    files: ['bench/**', 'tools/bench.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  prettier,
);
