import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { ConfigError, loadConfig, platformEnv, Secret } from '../../src/index.ts';
import { startFixture } from '../support/child-service.ts';

const ServiceEnv = Type.Object({
  ...platformEnv,
  PORT: Type.Integer({ minimum: 1, maximum: 65535 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  CACHE_ENABLED: Type.Boolean({ default: true }),
  SAMPLE_RATIO: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  SIGNING_KEY: Type.Optional(Secret(Type.String({ minLength: 32 }))),
  BROKER_PASSWORD: Type.Optional(Type.String({ minLength: 8, secret: true })),
});

const valid = { PORT: '3000', DATABASE_URL: 'postgres://shop@127.0.0.1/shop' };

function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(ServiceEnv, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  test('when only the required variables are set, then NODE_ENV is production and every other variable takes its default', () => {
    const config = loadConfig(ServiceEnv, valid);
    assert.deepEqual(
      { ...config },
      {
        PORT: 3000,
        DATABASE_URL: 'postgres://shop@127.0.0.1/shop',
        CACHE_ENABLED: true,
        SAMPLE_RATIO: 0.5,
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '0.0.0.0',
        BODY_LIMIT_BYTES: 1_048_576,
        SHUTDOWN_DRAIN_DELAY_MS: 0,
        SHUTDOWN_TIMEOUT_MS: 15_000,
      },
    );
    assert.ok(Object.isFrozen(config), 'config must be read-only');
  });

  test('when NODE_ENV is development or test and HOST is unset, then the service listens on 127.0.0.1 only', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const config = loadConfig(ServiceEnv, { ...valid, NODE_ENV });
      assert.equal(config.NODE_ENV, NODE_ENV);
      assert.equal(config.HOST, '127.0.0.1', NODE_ENV);
    }
  });

  test('when HOST is set, then it is used in every environment', () => {
    for (const NODE_ENV of ['development', 'production']) {
      assert.equal(loadConfig(ServiceEnv, { ...valid, NODE_ENV, HOST: '10.0.0.7' }).HOST, '10.0.0.7');
    }
  });

  test('when a variable marked secret is malformed, then the error names it without printing its value', () => {
    const error = configErrorOf({
      ...valid,
      SIGNING_KEY: 'short-signing-key-value',
      BROKER_PASSWORD: 'pw-123',
    });
    assert.deepEqual(
      error.problems.map((p) => p.split(':')[0]),
      ['SIGNING_KEY=<redacted>', 'BROKER_PASSWORD=<redacted>'],
      error.message,
    );
    assert.ok(!error.message.includes('short-signing-key-value'), error.message);
    assert.ok(!error.message.includes('pw-123'), error.message);
  });

  test('when a URL with a password is malformed, then the error shows the URL with the password redacted', () => {
    const error = configErrorOf({
      ...valid,
      DATABASE_URL: 'mysql://shop:s3cr3t@pw@db.internal:3306/shop',
      REDIS_URL: 'memcached://:cache-pass@cache:11211',
    });
    assert.ok(!error.message.includes('s3cr3t'), error.message);
    assert.ok(!error.message.includes('cache-pass'), error.message);
    assert.ok(
      error.problems.some((p) =>
        p.startsWith('DATABASE_URL="mysql://shop:<redacted>@db.internal:3306/shop"'),
      ),
      error.message,
    );
    assert.ok(
      error.problems.some((p) => p.startsWith('REDIS_URL="memcached://:<redacted>@cache:11211"')),
      error.message,
    );
  });

  test('when numbers and booleans arrive as strings, then they are converted to their schema types', () => {
    const config = loadConfig(ServiceEnv, {
      ...valid,
      CACHE_ENABLED: 'false',
      SAMPLE_RATIO: '0.25',
      SHUTDOWN_TIMEOUT_MS: '500',
      NODE_ENV: 'production',
    });
    assert.equal(config.CACHE_ENABLED, false);
    assert.equal(config.SAMPLE_RATIO, 0.25);
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 500);
    assert.equal(config.PORT, 3000);
    assert.equal(config.NODE_ENV, 'production');
  });

  test('when a variable is set to the empty string, then it counts as unset and takes its default', () => {
    const config = loadConfig(ServiceEnv, { ...valid, LOG_LEVEL: '', CACHE_ENABLED: '' });
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.CACHE_ENABLED, true);
  });

  test('when variables outside the schema are set, then they are not copied into the config', () => {
    const config = loadConfig(ServiceEnv, { ...valid, PATH: '/usr/bin', AWS_SECRET_ACCESS_KEY: 'secret' });
    assert.equal('PATH' in config, false);
    assert.equal('AWS_SECRET_ACCESS_KEY' in config, false);
  });

  test('when an optional variable without default is unset, then the config leaves it out', () => {
    assert.equal(loadConfig(ServiceEnv, valid).REDIS_URL, undefined);
    assert.equal(
      loadConfig(ServiceEnv, { ...valid, REDIS_URL: 'redis://127.0.0.1:6379' }).REDIS_URL,
      'redis://127.0.0.1:6379',
    );
  });

  test('when required variables are missing, then one error names each of them', () => {
    const error = configErrorOf({});
    assert.ok(
      error.problems.some((p) => p.includes('PORT')),
      error.message,
    );
    assert.ok(
      error.problems.some((p) => p.includes('DATABASE_URL')),
      error.message,
    );
    assert.match(error.message, /PORT/);
    assert.match(error.message, /DATABASE_URL/);
    assert.match(error.message, /required/);
  });

  test('when many variables are malformed at once, then one error names every one of them with its value', () => {
    const error = configErrorOf({
      NODE_ENV: 'prod',
      LOG_LEVEL: 'loud',
      BODY_LIMIT_BYTES: 'a lot',
      SHUTDOWN_DRAIN_DELAY_MS: '-1',
      SHUTDOWN_TIMEOUT_MS: 'soon',
      CACHE_ENABLED: 'maybe',
      SAMPLE_RATIO: '2',
      REDIS_URL: 'memcached://cache',
      PORT: '99999',
      DATABASE_URL: 'mysql://shop',
    });
    const named = [
      'NODE_ENV',
      'LOG_LEVEL',
      'BODY_LIMIT_BYTES',
      'SHUTDOWN_DRAIN_DELAY_MS',
      'SHUTDOWN_TIMEOUT_MS',
      'CACHE_ENABLED',
      'SAMPLE_RATIO',
      'REDIS_URL',
      'PORT',
      'DATABASE_URL',
    ];
    for (const name of named) {
      assert.ok(
        error.problems.some((p) => p.startsWith(`${name}=`)),
        `${name} is not named in:\n${error.message}`,
      );
    }
    assert.equal(error.problems.length, named.length, `one problem per variable, got:\n${error.message}`);
    assert.ok(
      error.problems.some((p) => p.startsWith('PORT="99999"')),
      error.message,
    );
  });

  test('when a value is not one of the allowed literals, then the error lists the allowed values', () => {
    const error = configErrorOf({ ...valid, NODE_ENV: 'prod' });
    assert.deepEqual(error.problems.length, 1, error.message);
    assert.match(error.problems[0] ?? '', /NODE_ENV="prod".*development.*test.*production/);
  });

  test('when an integer variable holds a fraction, hex or trailing text, then it is refused rather than rounded', () => {
    for (const bad of ['3000.5', '0x10', '3000abc', '1e3']) {
      const error = configErrorOf({ ...valid, PORT: bad });
      assert.ok(
        error.problems.some((p) => p.startsWith(`PORT=${JSON.stringify(bad)}`)),
        `${bad}: ${error.message}`,
      );
    }
  });

  test('when a number variable is not a finite decimal number, then it is refused', () => {
    for (const bad of ['NaN', 'Infinity', 'abc', ' ']) {
      const error = configErrorOf({ ...valid, SAMPLE_RATIO: bad });
      assert.ok(
        error.problems.some((p) => p.startsWith('SAMPLE_RATIO=')),
        `${bad}: ${error.message}`,
      );
    }
  });

  test('when the configuration is invalid, then the message says what to do next', () => {
    assert.match(configErrorOf({}).message, /Set or fix these environment variables/);
  });

  test('when a service starts with a bad environment, then it exits non-zero and names every bad variable', async () => {
    const service = startFixture('config-service.ts', {
      PLATFORM_FIXTURE: 'config-service',
      PORT: 'eighty',
      DATABASE_URL: '',
      LOG_LEVEL: 'chatty',
    });
    const { code } = await service.exitedWithin(15);
    assert.notEqual(code, 0);
    for (const name of ['PORT="eighty"', 'DATABASE_URL: required', 'LOG_LEVEL="chatty"']) {
      assert.ok(service.stderr.includes(name), `${name} missing from:\n${service.stderr}`);
    }
    assert.ok(!service.lines.some((l) => l.msg === 'configured'));
  });

  test('when the environment is valid, then the service starts with the converted values', async () => {
    const service = startFixture('config-service.ts', {
      PLATFORM_FIXTURE: 'config-service',
      PORT: '8080',
      DATABASE_URL: 'postgres://127.0.0.1/shop',
      NODE_ENV: 'development',
    });
    const { code } = await service.exitedWithin(15);
    assert.equal(code, 0, service.stderr);
    const configured = service.lines.find((l) => l.msg === 'configured');
    assert.equal(configured?.['port'], 8080);
    assert.equal(configured?.['host'], '127.0.0.1');
  });
});
