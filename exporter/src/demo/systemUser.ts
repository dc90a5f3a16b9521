/** Looks up a local user's ids in /etc/passwd (no child process, no native module). */
import { readFile } from 'node:fs/promises';

export interface UserIds {
  uid: number;
  gid: number;
}

export async function systemUser(name: string): Promise<UserIds | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const entry = passwd.split('\n').map((line) => line.split(':')).find((fields) => fields[0] === name);
  return entry?.[2] && entry[3] ? { uid: Number(entry[2]), gid: Number(entry[3]) } : undefined;
}
