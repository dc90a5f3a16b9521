/**
 * TLS for the primary, as a production server has: a CA and a server
 * certificate made with openssl. Exporters still connect without TLS (both
 * are told so); the certificate is there so that "covers TLS" is judged on
 * a server that has one.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, giveToServerUser, issueServerCertificate, writeChain } from '../../../test/harness/certificates.js';

/** postgresql.conf settings that turn TLS on with the new files. */
export async function serverTlsSettings(directory: string): Promise<Record<string, string | boolean>> {
  await mkdir(directory, { recursive: true });
  const ca = await createCertificateAuthority(directory, { name: 'ca', commonName: 'upkeep bench CA', days: 365 });
  const server = await issueServerCertificate(directory, ca, { name: 'server', commonName: 'localhost', days: 90, altNames: ['DNS:localhost', 'IP:127.0.0.1'] });
  const chainFile = await writeChain(join(directory, 'server-chain.crt'), [server, ca]);
  await giveToServerUser([directory], 0o700);
  await giveToServerUser([chainFile, server.keyFile]);
  return { ssl: true, ssl_cert_file: chainFile, ssl_key_file: server.keyFile };
}
