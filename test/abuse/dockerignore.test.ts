import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { uniqueName } from '../support/free-port';
import { removeRepository, testRepository } from '../support/podman-names';

// What docker/.dockerignore lets into the site image's build context, as podman itself applies
// it: a copy of docker/ with dotfiles and backup files planted where the Dockerfile copies
// from, built into a FROM-scratch image that copies the whole context, then listed.
const DOCKER = path.join(__dirname, '..', '..', 'docker');
const CONTAINERS_CONF = path.join(DOCKER, 'containers.conf');
jest.setTimeout(120000);

const podman = (...args: string[]) =>
  execFileSync('podman', args, { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });

test('docker/.dockerignore keeps dotfiles and backup files out of the image, and everything the Dockerfile copies in', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerignore-'));
  const image = `${testRepository('context')}:1`;
  const container = uniqueName('dockerignore-context');
  try {
    const context = path.join(work, 'context');
    fs.cpSync(DOCKER, context, { recursive: true });
    const planted = ['site/.env', 'site/.git/config', 'site/.htaccess', 'site/assets/.DS_Store', 'site/index.html~',
      'site/index.html.bak', 'site/index.html.swp', 'mincloud/.secret', 'bin/start-nginx.sh.orig', 'nginx.conf.old'];
    for (const file of planted) {
      fs.mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
      fs.writeFileSync(path.join(context, file), 'SECRET=1\n');
    }
    const dockerfile = path.join(work, 'Containerfile');
    fs.writeFileSync(dockerfile, 'FROM scratch\nCOPY . /context/\n');
    // No layer cache: podman's lookup of cached images fails when another run removes its own meanwhile.
    podman('build', '--quiet', '--layers=false', '-f', dockerfile, '-t', image, context);
    spawnSync('podman', ['rm', '-f', container], { env: { ...process.env, CONTAINERS_CONF } });
    podman('create', '--name', container, '--entrypoint', '/none', image);
    const tar = path.join(work, 'fs.tar');
    podman('export', '-o', tar, container);
    const files = execFileSync('tar', ['-tf', tar], { encoding: 'utf-8' }).split('\n')
      .filter((f) => f.startsWith('context/') && !f.endsWith('/')).map((f) => f.slice('context/'.length)).sort();

    for (const file of planted) expect([file, files.includes(file)]).toEqual([file, false]);
    expect(files.filter((f) => /(^|\/)\./.test(f))).toEqual(['mincloud/http.d/.keep', 'mincloud/site.d/.keep']);
    // What the Dockerfile copies is all there.
    const shipped = execFileSync('git', ['-C', DOCKER, 'ls-files', 'nginx.conf', 'mincloud', 'site', 'bin'], { encoding: 'utf-8' })
      .split('\n').filter(Boolean).filter((f) => !f.endsWith('.gitkeep')).sort();
    for (const file of shipped) expect([file, files.includes(file)]).toEqual([file, true]);
  } finally {
    spawnSync('podman', ['rm', '-f', container], { env: { ...process.env, CONTAINERS_CONF } });
    removeRepository(image.split(':')[0], { ...process.env, CONTAINERS_CONF });
    fs.rmSync(work, { recursive: true, force: true });
  }
});
