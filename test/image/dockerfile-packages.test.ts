import * as fs from 'fs';
import * as path from 'path';

// The site image installs no packages of its own: it is the base image (an exact nginx version)
// plus files. Should a package ever be installed in it, its version must be pinned, so that a
// rebuild gets the same bytes (apt-get install name=version).
const DOCKERFILE = path.join(__dirname, '..', '..', 'docker', 'Dockerfile');

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): string[] {
  return text.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Packages an apt-get or apt install in an instruction names without a version. */
function unpinnedPackages(instruction: string): string[] {
  const unpinned: string[] = [];
  for (const m of instruction.matchAll(/\bapt(?:-get)?\s+(?:-\S+\s+)*install\b([^&|;]*)/g)) {
    for (const word of m[1].trim().split(/\s+/)) {
      if (word === '' || word.startsWith('-')) continue;
      if (!/^[a-z0-9][a-z0-9+.-]*=[A-Za-z0-9.+~:-]+$/.test(word)) unpinned.push(word);
    }
  }
  return unpinned;
}

describe('docker/Dockerfile packages', () => {
  test('every package it installs has its version pinned (today it installs none)', () => {
    const runs = instructions(fs.readFileSync(DOCKERFILE, 'utf-8')).filter((l) => /^RUN\b/i.test(l));
    expect(runs.flatMap(unpinnedPackages)).toEqual([]);
    expect(runs.some((r) => /\bapk\s+add\b|\byum\b|\bdnf\b/.test(r))).toBe(false);
  });

  test('the check finds unpinned packages and accepts pinned ones', () => {
    expect(unpinnedPackages('RUN apt-get update && apt-get install -y --no-install-recommends nginx-light curl=7.88.1-10+deb12u12 && rm -rf /var/lib/apt/lists/*'))
      .toEqual(['nginx-light']);
    expect(unpinnedPackages('RUN apt-get install -y nginx-light=1.22.1-9+deb12u12')).toEqual([]);
    expect(unpinnedPackages('RUN apt install -qq ca-certificates')).toEqual(['ca-certificates']);
  });
});
