/**
 * Test certificates made with the openssl command line tool: a CA, and
 * server certificates it signs, with a known lifetime. The facts tests
 * compare against (notAfter, serial, fingerprint) are read back from the
 * files with node:crypto, not predicted.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unprivilegedUser } from './processes.js';

const execFileAsync = promisify(execFile);

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate alone, PEM. */
  pem: string;
  keyPem: string;
  commonName: string;
  /** Unix seconds, as read from the certificate. */
  notAfter: number;
  notBefore: number;
  /** Upper-case hexadecimal, as Node prints it. */
  serial: string;
  fingerprint256: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0] ?? ''} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

/** A positive 64-bit serial; explicit so two certificates never collide. */
function randomSerial(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return `0x${bytes.toString('hex')}`;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function load(certFile: string, keyFile: string, commonName: string): Promise<TestCertificate> {
  const [pem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  const x509 = new X509Certificate(pem);
  return {
    certFile,
    keyFile,
    pem,
    keyPem,
    commonName,
    notAfter: Date.parse(x509.validTo) / 1000,
    notBefore: Date.parse(x509.validFrom) / 1000,
    serial: x509.serialNumber,
    fingerprint256: x509.fingerprint256,
  };
}

/** A self-signed CA certificate valid for `days` from now. */
export async function createCertificateAuthority(directory: string, options: { name: string; commonName: string; days: number }): Promise<TestCertificate> {
  const certFile = join(directory, `${options.name}.crt`);
  const keyFile = join(directory, `${options.name}.key`);
  await openssl([
    'req', '-x509', ...EC_KEY,
    '-keyout', keyFile, '-out', certFile,
    '-days', String(options.days),
    '-set_serial', randomSerial(),
    '-subj', `/CN=${options.commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return load(certFile, keyFile, options.commonName);
}

export interface ServerCertificateOptions {
  name: string;
  commonName: string;
  days: number;
  /** subjectAltName entries, e.g. `DNS:localhost`, `IP:127.0.0.1`. */
  altNames: string[];
}

/** A server (leaf) certificate signed by `ca`, valid for `days` from now. */
export function issueServerCertificate(directory: string, ca: TestCertificate, options: ServerCertificateOptions): Promise<TestCertificate> {
  return signedCertificate(directory, ca, options, serverExtensions(options.altNames));
}

/** A certificate for `commonName` with `extensions`, signed by `issuer`, valid for `days` from now. */
async function signedCertificate(
  directory: string,
  issuer: TestCertificate,
  options: { name: string; commonName: string; days: number },
  extensions: string[],
): Promise<TestCertificate> {
  const { certFile, keyFile, csrFile, extFile } = await certificateRequest(directory, options.name, options.commonName, extensions);
  await openssl([
    'x509', '-req', '-in', csrFile,
    '-CA', issuer.certFile, '-CAkey', issuer.keyFile, '-set_serial', randomSerial(),
    '-days', String(options.days),
    '-extfile', extFile,
    '-out', certFile,
  ]);
  return load(certFile, keyFile, options.commonName);
}

/** An intermediate CA certificate signed by `parent`, valid for `days` from now. */
export function createIntermediateAuthority(
  directory: string,
  parent: TestCertificate,
  options: { name: string; commonName: string; days: number },
): Promise<TestCertificate> {
  return signedCertificate(directory, parent, options, ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign']);
}

/**
 * A server certificate signed by `ca` with the given validity, which may lie
 * in the past (an expired certificate): `openssl x509 -days` counts from now
 * only, so this signs through `openssl ca`, which takes both dates, with a
 * throwaway CA database of its own.
 */
export async function issueServerCertificateBetween(
  directory: string,
  ca: TestCertificate,
  options: Omit<ServerCertificateOptions, 'days'> & { notBefore: Date; notAfter: Date },
): Promise<TestCertificate> {
  const { certFile, keyFile, csrFile, extFile } = await certificateRequest(directory, options.name, options.commonName, serverExtensions(options.altNames));
  const database = await mkdtemp(join(directory, `${options.name}-ca-db-`));
  await writeFile(join(database, 'index.txt'), '');
  await writeFile(join(database, 'serial'), `${randomSerial().slice(2)}\n`);
  const configFile = join(database, 'ca.cnf');
  await writeFile(
    configFile,
    [
      '[ca]', 'default_ca = test_ca',
      '[test_ca]', `database = ${join(database, 'index.txt')}`, `new_certs_dir = ${database}`, `serial = ${join(database, 'serial')}`,
      'default_md = sha256', 'policy = any_name', 'unique_subject = no',
      '[any_name]', 'commonName = supplied', '',
    ].join('\n'),
  );
  await openssl([
    'ca', '-batch', '-notext', '-config', configFile,
    '-cert', ca.certFile, '-keyfile', ca.keyFile,
    '-in', csrFile, '-out', certFile,
    '-startdate', opensslDate(options.notBefore), '-enddate', opensslDate(options.notAfter),
    '-extfile', extFile,
  ]);
  await rm(database, { recursive: true, force: true });
  return load(certFile, keyFile, options.commonName);
}

/** `YYYYMMDDHHMMSSZ`, the form `openssl ca -startdate` takes. */
function opensslDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function serverExtensions(altNames: readonly string[]): string[] {
  return [`subjectAltName=${altNames.join(',')}`, 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth'];
}

/** A new key and a signing request for it, plus the extensions file the signer adds. */
async function certificateRequest(directory: string, name: string, commonName: string, extensions: readonly string[]) {
  const certFile = join(directory, `${name}.crt`);
  const keyFile = join(directory, `${name}.key`);
  const csrFile = join(directory, `${name}.csr`);
  const extFile = join(directory, `${name}.ext`);
  await writeFile(extFile, [...extensions, ''].join('\n'));
  await openssl(['req', '-new', ...EC_KEY, '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${commonName}`]);
  return { certFile, keyFile, csrFile, extFile };
}

/** notAfter as `openssl x509 -enddate` prints it, in Unix seconds: a reading independent of node:crypto. */
export async function opensslNotAfter(certFile: string): Promise<number> {
  const { stdout } = await execFileAsync('openssl', ['x509', '-noout', '-enddate', '-in', certFile], { timeout: 30_000 });
  const match = /^notAfter=(.+)$/m.exec(stdout);
  if (!match) throw new Error(`openssl x509 -enddate printed no notAfter: ${stdout}`);
  return Date.parse(match[1]!) / 1000;
}

/** The PEM bundle a server presents: its own certificate first, then the issuers. */
export async function writeChain(path: string, certificates: readonly TestCertificate[]): Promise<string> {
  await writeFile(path, certificates.map((c) => c.pem).join(''));
  return path;
}

/**
 * Hands files to the user PostgreSQL runs as: it refuses a key that others
 * can read, and must own it to read it with mode 0600.
 */
export async function giveToServerUser(files: readonly string[], mode = 0o600): Promise<void> {
  const runAs = await unprivilegedUser();
  for (const file of files) {
    await chmod(file, mode);
    if (runAs) await chown(file, runAs.uid, runAs.gid);
  }
}
