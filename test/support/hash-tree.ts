import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** One hash of a folder's file names and contents: equal hashes, byte-identical folders. */
export function hashTree(dir: string): string {
  const hash = createHash('sha256');
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const p = path.join(dir, f);
    hash.update(f).update('\0');
    if (fs.statSync(p).isFile()) hash.update(fs.readFileSync(p)).update('\0');
  }
  return hash.digest('hex');
}
