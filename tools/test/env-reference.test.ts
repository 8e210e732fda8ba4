import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { format, resolveConfig } from 'prettier';
import { environmentVariables, tableOf, withTable, type EnvVariable } from '../env-reference.ts';

const README = join(import.meta.dirname, '..', '..', 'README.md');

describe("the README's table of environment variables", () => {
  let variables: EnvVariable[];
  before(async () => {
    variables = await environmentVariables();
  });

  it('when the services are read, then every variable they validate is in it with what it means', () => {
    const undocumented = variables.filter((v) => v.description === '').map((v) => v.name);
    assert.deepEqual(undocumented, [], 'give each of these a JSDoc comment in the config schema');
    const byName = new Map(variables.map((v) => [v.name, v]));
    // A variable of one service, one of every service, and one whose default differs per service.
    assert.deepEqual(byName.get('PAYMENT_PROVIDER_URL')?.services, ['payment']);
    assert.equal(byName.get('NODE_ENV')?.services.length, new Set(variables.flatMap((v) => v.services)).size);
    assert.equal(byName.get('PORT')?.defaults.get('gateway'), '8080');
    assert.equal(byName.get('PORT')?.defaults.get('auth'), '3001');
  });

  it('when the README is read, then its table is the one the schemas make (npm run docs:env writes it)', async () => {
    const readme = await readFile(README, 'utf8');
    const options = { ...(await resolveConfig(README)), filepath: README };
    const expected = await format(withTable(readme, tableOf(variables)), options);
    assert.ok(
      readme === expected,
      'README.md: the table of environment variables is stale; run npm run docs:env',
    );
  });

  it('when the README has no markers, then writing the table says where it goes', () => {
    assert.throws(() => withTable('# no table here\n', '| a |'), /env:start/);
  });
});
