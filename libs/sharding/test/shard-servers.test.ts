import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShardServers, redactUrl, ShardMapError } from '../src/index.ts';

describe('parseShardServers', () => {
  it('when the list names servers with URLs, then each name maps to its URL (spaces and a trailing comma tolerated)', () => {
    assert.deepEqual(
      parseShardServers(
        ' a=postgres://u:p@host-a:5432/orders , b=postgresql://u:p%2Cw@host-b/orders,',
        'ORDER_SHARD_SERVERS',
      ),
      { a: 'postgres://u:p@host-a:5432/orders', b: 'postgresql://u:p%2Cw@host-b/orders' },
    );
  });

  const refusals: [string, string, RegExp][] = [
    ['empty', ' , ', /ORDER_SHARD_SERVERS is empty: list at least one server/],
    ['no name', 'postgres://u:p@h/db', /entry 1 has no "name="/],
    ['bad name', 'A=postgres://u:p@h/db', /server name "A".*lower-case letter/],
    ['twice', 'a=postgres://h/db,a=postgres://h/db2', /names server "a" twice/],
    ['not a URL', 'a=not a url', /server "a" has no valid URL.*postgres:\/\/user:password@host/],
    ['other protocol', 'a=mysql://u:p@h/db', /server "a" has a mysql: URL/],
    [
      'no database',
      'a=postgres://u:secret@h',
      /server "a" \(postgres:\/\/u:\*\*\*@h\) names no host or no database/,
    ],
  ];
  for (const [what, text, message] of refusals) {
    it(`when the list is wrong (${what}), then it is refused naming the variable and what to do`, () => {
      assert.throws(
        () => parseShardServers(text, 'ORDER_SHARD_SERVERS'),
        (error: unknown) => {
          assert.ok(error instanceof ShardMapError);
          assert.equal(error.code, 'SHARD_ERR_CONFIG');
          assert.match(error.message, /^ORDER_SHARD_SERVERS /);
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, /secret/);
          return true;
        },
      );
    });
  }

  it('when a URL is logged, then its password is masked', () => {
    assert.equal(redactUrl('postgres://u:secret@h:5432/db'), 'postgres://u:***@h:5432/db');
  });
});
