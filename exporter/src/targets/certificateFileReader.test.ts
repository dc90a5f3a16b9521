/**
 * Reading certificate files from real files made by openssl: bundles, DER,
 * keys, garbage, cut-short bundles, and paths that are no file to read even
 * for root (a dangling symlink, a symlink cycle, a FIFO, a directory).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate, type TestCertificate } from '../../../test/harness/certificates.js';
import { fileErrorReason, parseCertificates, readCertificateFile } from './certificateFileReader.js';

const execFileAsync = promisify(execFile);
const LIMITS = { maxBytes: 64 * 1024, timeoutMs: 2000 };

let directory: string;
let ca: TestCertificate;
let first: TestCertificate;
let second: TestCertificate;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'upkeep-cert-reader-'));
  ca = await createCertificateAuthority(directory, { name: 'ca', commonName: 'Reader Test CA', days: 30 });
  first = await issueServerCertificate(directory, ca, { name: 'first', commonName: 'first.test', days: 10, altNames: ['DNS:first.test'] });
  second = await issueServerCertificate(directory, ca, { name: 'second', commonName: 'second.test', days: 20, altNames: ['DNS:second.test'] });
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function facts(cert: TestCertificate, position: number, issuerCn = 'Reader Test CA') {
  return {
    position,
    subjectCn: cert.commonName,
    issuerCn,
    serial: cert.serial,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprint256: cert.fingerprint256,
  };
}

async function fileWith(name: string, content: string | Buffer): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  return path;
}

describe('what a file holds', () => {
  it('a PEM bundle: every certificate in order, keys and text around them skipped', async () => {
    const path = await fileWith('bundle.pem', `# issued by the test\n${first.pem}${first.keyPem}\n${second.pem}${ca.pem}`);
    const reading = await readCertificateFile(path, LIMITS);
    expect(reading).toEqual({ certificates: [facts(first, 0), facts(second, 1), facts(ca, 2)] });
  });

  it('a DER certificate', async () => {
    const path = join(directory, 'first.der');
    await execFileAsync('openssl', ['x509', '-in', first.certFile, '-outform', 'DER', '-out', path]);
    expect(await readCertificateFile(path, LIMITS)).toEqual({ certificates: [facts(first, 0)] });
  });

  it('CRLF line ends', async () => {
    const path = await fileWith('crlf.crt', first.pem.replace(/\n/g, '\r\n'));
    expect(await readCertificateFile(path, LIMITS)).toEqual({ certificates: [facts(first, 0)] });
  });

  it('a key alone is no certificate', async () => {
    const path = await fileWith('key.pem', first.keyPem);
    expect(await readCertificateFile(path, LIMITS)).toEqual({ certificates: [], problem: { reason: 'no_certificate', message: 'no CERTIFICATE block, only PRIVATE KEY' } });
  });

  it('an empty file', async () => {
    const path = await fileWith('empty.crt', '');
    expect(await readCertificateFile(path, LIMITS)).toEqual({ certificates: [], problem: { reason: 'empty', message: 'the file is empty' } });
  });

  it('garbage', async () => {
    const path = await fileWith('garbage.crt', 'this is not a certificate\n\u0000\u0001\u0002');
    expect(await readCertificateFile(path, LIMITS)).toEqual({ certificates: [], problem: { reason: 'unparsable', message: 'neither PEM nor a DER certificate' } });
  });

  it('a bundle with a damaged block: the others are read, and the damage reported by position', () => {
    const damaged = second.pem.replace(/^(-----BEGIN CERTIFICATE-----\n)(.{10})/, '$1!!!!!!!!!!');
    const reading = parseCertificates(Buffer.from(first.pem + damaged + ca.pem));
    expect(reading.certificates).toEqual([facts(first, 0), facts(ca, 2)]);
    expect(reading.problem?.reason).toBe('unparsable');
    expect(reading.problem?.message).toMatch(/^certificate 1 does not parse/);
  });

  it('a bundle cut short: what is complete is read, the cut is reported', () => {
    const reading = parseCertificates(Buffer.from(first.pem + second.pem.slice(0, 200)));
    expect(reading).toEqual({ certificates: [facts(first, 0)], problem: { reason: 'unparsable', message: '1 PEM block(s) without a matching END line' } });
  });

  it('a single block cut short', () => {
    expect(parseCertificates(Buffer.from(first.pem.slice(0, 300)))).toEqual({
      certificates: [],
      problem: { reason: 'unparsable', message: 'a PEM BEGIN line without its matching END line' },
    });
  });

  it('the same facts node:crypto reads, with the same serial format a TLS socket reports', () => {
    const [cert] = parseCertificates(Buffer.from(first.pem)).certificates;
    const x509 = new X509Certificate(first.pem);
    expect(cert?.serial).toBe(x509.serialNumber);
    expect(cert?.notAfter).toBe(Date.parse(x509.validTo) / 1000);
  });
});

describe('paths that are no file to read', () => {
  it('a file over the size limit is not read', async () => {
    const path = await fileWith('large.pem', first.pem.repeat(200));
    const reading = await readCertificateFile(path, { maxBytes: 4096, timeoutMs: 2000 });
    expect(reading.certificates).toEqual([]);
    expect(reading.problem).toEqual({ reason: 'too_large', message: `${path} has ${first.pem.length * 200} bytes or more; certificate files are read up to 4096 bytes` });
  });

  it('a missing file', async () => {
    const path = join(directory, 'missing.pem');
    const reading = await readCertificateFile(path, LIMITS);
    expect(reading.problem?.reason).toBe('not_found');
    expect(reading.problem?.message).toContain('no such file or directory');
  });

  it('a dangling symlink says where it points', async () => {
    const path = join(directory, 'dangling.pem');
    await symlink(join(directory, 'gone.pem'), path);
    expect(await readCertificateFile(path, LIMITS)).toEqual({
      certificates: [],
      problem: { reason: 'not_found', message: `${path} is a symbolic link to ${join(directory, 'gone.pem')}, which does not exist` },
    });
  });

  it('a symlink cycle is unreadable, also for root', async () => {
    const path = join(directory, 'loop.pem');
    await symlink('loop.pem', path);
    const reading = await readCertificateFile(path, LIMITS);
    expect(reading.problem?.reason).toBe('unreadable');
    expect(reading.problem?.message).toContain('ELOOP');
  });

  it('a FIFO is reported at once instead of waiting for a writer', async () => {
    const path = join(directory, 'fifo.pem');
    await execFileAsync('mkfifo', [path]);
    const started = performance.now();
    expect(await readCertificateFile(path, LIMITS)).toEqual({ certificates: [], problem: { reason: 'not_a_file', message: `${path} is a FIFO, not a regular file` } });
    expect(performance.now() - started).toBeLessThan(5000); // a blocking open would never return
  });

  it('a directory where a file is expected', async () => {
    const path = join(directory, 'directory.pem');
    await mkdir(path);
    expect((await readCertificateFile(path, LIMITS)).problem).toEqual({ reason: 'not_a_file', message: `${path} is a directory, not a regular file` });
  });

  it('file system error codes map to bounded reasons', () => {
    const failure = (code: string) => Object.assign(new Error(code), { code });
    expect(fileErrorReason(failure('EACCES'))).toBe('permission_denied');
    expect(fileErrorReason(failure('EPERM'))).toBe('permission_denied');
    expect(fileErrorReason(failure('ENOENT'))).toBe('not_found');
    expect(fileErrorReason(failure('EIO'))).toBe('unreadable');
  });
});

describe('every read is fresh', () => {
  it('a symlink swapped to another certificate reads the new one', async () => {
    const swapDirectory = join(directory, 'swap');
    await mkdir(swapDirectory);
    const current = join(swapDirectory, 'tls.crt');
    await symlink(first.certFile, current);
    expect((await readCertificateFile(current, LIMITS)).certificates.map((c) => c.notAfter)).toEqual([first.notAfter]);
    // Atomically, the way Kubernetes updates a mounted secret: a new link renamed over the old one.
    await symlink(second.certFile, `${current}.new`);
    await rename(`${current}.new`, current);
    expect((await readCertificateFile(current, LIMITS)).certificates.map((c) => c.notAfter)).toEqual([second.notAfter]);
  });
});
