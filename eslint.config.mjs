import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Module boundaries are enforced as errors: an app may import libs, a lib may import libs of its own
// kind or lower, and nothing imports an app. Tags live in each project's project.json.
export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/src/generated/**', '**/.nx/**', '**/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:auth', onlyDependOnLibsWithTags: ['scope:auth', 'scope:shared'] },
            { sourceTag: 'scope:product', onlyDependOnLibsWithTags: ['scope:product', 'scope:shared'] },
            { sourceTag: 'scope:order', onlyDependOnLibsWithTags: ['scope:order', 'scope:shared'] },
            { sourceTag: 'scope:payment', onlyDependOnLibsWithTags: ['scope:payment', 'scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:web', 'scope:shared'] },
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
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
    // Only the config loader, the telemetry bootstrap, the test kit and tools read the environment.
    files: [
      '**/prisma.config.ts',
      'libs/platform/src/config/**',
      'libs/platform/src/telemetry/**',
      'libs/testing/**',
      'tools/**',
      '**/test/**',
      '**/*.test.ts',
      'bench/**',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Benchmarks and tools drive whole services (start them, seed them, measure them), so they may reach
    // into apps; nothing imports them, so they cannot entangle the module graph.
    files: ['bench/**', 'tools/**'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  prettier,
);
