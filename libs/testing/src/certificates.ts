import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireProgram } from './programs.ts';

/** A throwaway certificate authority and a server certificate it signed. PEM text throughout. */
export interface TestCertificates {
  /** What a client trusts. */
  caPem: string;
  /** The server's certificate, valid for 127.0.0.1 and localhost. */
  certificatePem: string;
  /** Its unencrypted PKCS#8 private key. */
  privateKeyPem: string;
}

const INSTALL_HINT = 'Install it with `apt-get install -y openssl` (macOS: `brew install openssl`).';

/**
 * Makes a one-day CA and a server certificate for 127.0.0.1 with the `openssl` command, for tests of TLS
 * connections to servers the test kit starts. EC P-256 keys: quick to make, and Java and Node both read them.
 */
export async function createTestCertificates(): Promise<TestCertificates> {
  const openssl = requireProgram('openssl', INSTALL_HINT);
  const run = (args: string[]) => promisify(execFile)(openssl, args, { cwd: dir });
  const dir = await mkdtemp(join(tmpdir(), 'shop-testing-tls-'));
  try {
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'];
    await run([
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=shop test CA',
    ]);
    await run(['req', ...newKey, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await run([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '1',
      '-extfile',
      'server.ext',
    ]);
    const [caPem, certificatePem, privateKeyPem] = await Promise.all(
      ['ca.pem', 'server.pem', 'server.key'].map((file) => readFile(join(dir, file), 'utf8')),
    );
    return { caPem: caPem!, certificatePem: certificatePem!, privateKeyPem: privateKeyPem! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
