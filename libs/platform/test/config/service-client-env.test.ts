import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import {
  DEV_AUTH_TOKEN_URL,
  devServiceClientSecret,
  jwtVerifyEnv,
  loadConfig,
  platformEnv,
  serviceClientEnv,
  serviceClientEnvProblems,
  serviceCredentialsFrom,
} from '../../src/index.ts';

const Schema = Type.Object({ ...platformEnv, ...jwtVerifyEnv, ...serviceClientEnv('order') });
const load = (env: Record<string, string>) => loadConfig(Schema, env);
const SECRET = 'a-real-secret-of-the-order-service-0123456789';

describe('serviceClientEnv', () => {
  test('when nothing is set outside production, then the client is the service with its development secret', () => {
    const config = load({ NODE_ENV: 'development' });
    assert.deepEqual(serviceClientEnvProblems(config), []);
    assert.deepEqual(serviceCredentialsFrom(config), {
      tokenUrl: DEV_AUTH_TOKEN_URL,
      clientId: 'order',
      clientSecret: devServiceClientSecret('order'),
    });
  });

  test('when production lacks the secret or the token URL, then each is named', () => {
    const problems = serviceClientEnvProblems(load({ NODE_ENV: 'production' }));
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^SERVICE_CLIENT_SECRET: required in production/);
    assert.match(problems[1]!, /^AUTH_TOKEN_URL: required in production/);
  });

  test('when production sets the published development secret of its client, then it is refused unprinted', () => {
    const problems = serviceClientEnvProblems(
      load({
        NODE_ENV: 'production',
        SERVICE_CLIENT_SECRET: devServiceClientSecret('order'),
        AUTH_TOKEN_URL: 'https://auth/api/v1/auth/oauth/token',
      }),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /published development value is refused/);
    assert.doesNotMatch(problems[0]!, /dev-client-secret/);
  });

  test('when production names a plain http token URL, then it is refused unless a mesh protects the hop', () => {
    const env = {
      NODE_ENV: 'production',
      SERVICE_CLIENT_SECRET: SECRET,
      AUTH_TOKEN_URL: 'http://auth:3001/t',
    };
    assert.match(serviceClientEnvProblems(load(env)).join('\n'), /AUTH_TOKEN_URL: must be https/);
    assert.deepEqual(serviceClientEnvProblems(load({ ...env, AUTH_JWKS_INSECURE_MESH: 'true' })), []);
    assert.deepEqual(serviceCredentialsFrom(load({ ...env, AUTH_JWKS_INSECURE_MESH: 'true' })), {
      tokenUrl: 'http://auth:3001/t',
      clientId: 'order',
      clientSecret: SECRET,
    });
  });

  test('when the secret is short, then the configuration is refused', () => {
    assert.throws(
      () => load({ NODE_ENV: 'production', SERVICE_CLIENT_SECRET: 'short' }),
      /SERVICE_CLIENT_SECRET/,
    );
  });
});
