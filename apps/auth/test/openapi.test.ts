import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAuth, type AuthTestContext } from './helper.ts';

let ctx: AuthTestContext;
before(async () => {
  ctx = await startAuth();
});
after(() => ctx.close());

test('when the OpenAPI document is requested, then it describes every auth route with its responses', async () => {
  const doc = (await ctx.http.get('/openapi.json').expect(200)).body;
  assert.equal(doc.openapi, '3.1.0');
  for (const [path, method] of [
    ['/api/v1/auth/register', 'post'],
    ['/api/v1/auth/login', 'post'],
    ['/api/v1/auth/refresh', 'post'],
    ['/api/v1/auth/logout', 'post'],
    ['/api/v1/auth/me', 'get'],
    ['/api/v1/auth/oauth/token', 'post'],
    ['/.well-known/jwks.json', 'get'],
  ] as const) {
    assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
  }
  assert.ok(doc.paths['/api/v1/auth/login'].post.responses['429'], 'refusals are documented too');
  const token = doc.paths['/api/v1/auth/oauth/token'].post;
  assert.deepEqual(Object.keys(token.requestBody.content).sort(), [
    'application/json',
    'application/x-www-form-urlencoded',
  ]);
  assert.ok(token.responses['401'], 'invalid_client is documented');
  assert.equal(doc.paths['/health'], undefined, 'probes are not part of the public API');
});
