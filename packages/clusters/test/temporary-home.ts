import * as fs from 'fs';
import * as path from 'path';
import nodeOs = require('os');

/**
 * aws-cdk-lib keeps a cache of asset fingerprints in the home folder (~/.cdk/cache): for the
 * tests of this file, the home folder is a temporary one, removed afterwards. Call it before
 * anything synthesizes.
 */
export function useTemporaryHome(): void {
  let home: string;
  let spy: jest.SpyInstance;
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(nodeOs.tmpdir(), 'clusters-home-'));
    spy = jest.spyOn(nodeOs, 'homedir').mockReturnValue(home);
  });
  afterAll(() => {
    spy.mockRestore();
    fs.rmSync(home, { recursive: true, force: true });
  });
}
