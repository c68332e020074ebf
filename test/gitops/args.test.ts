import { HELP, parseArgs, UsageError } from '../../tools/gitops/args';

// npm run gitops's command line (node:util parseArgs underneath): each mistake is a UsageError
// (exit 1) that names the flag and what to do; nothing runs before the line is understood.
describe('npm run gitops arguments', () => {
  test('the three commands and their defaults', () => {
    expect(parseArgs(['render'])).toEqual({ command: 'render', outdir: 'build/argocd' });
    expect(parseArgs(['render', '--outdir', 'out/argo'])).toEqual({ command: 'render', outdir: 'out/argo' });
    expect(parseArgs(['publish', '--env', 'dev', '--repo', '/srv/git/rendered.git'])).toEqual({
      command: 'publish', env: 'dev', repo: '/srv/git/rendered.git', siteImage: undefined, apiImage: undefined, allowDirty: false,
    });
    expect(parseArgs(['publish', '--env=prod', '--repo=x', '--site-image', 'r/s:1', '--api-image', 'r/a:1', '--allow-dirty'])).toMatchObject({
      env: 'prod', siteImage: 'r/s:1', apiImage: 'r/a:1', allowDirty: true,
    });
    expect(parseArgs(['promote', '--from', 'staging', '--to', 'prod', '--repo', 'x'])).toEqual({ command: 'promote', from: 'staging', to: 'prod', repo: 'x' });
    expect(parseArgs(['--help'])).toBe('help');
    expect(parseArgs(['publish', '-h'])).toBe('help');
  });

  test.each<[string[], string]>([
    [[], 'say what to do: render, publish or promote (see --help)'],
    [['deploy'], 'unknown command "deploy": use render, publish or promote (see --help)'],
    [['publish', '--env', 'dev'], 'publish needs --repo <git url or path> (see --help)'],
    [['publish', '--repo', 'x'], 'publish needs --env <target> (see --help)'],
    [['publish', '--env', 'dev', '--repo'], '--repo needs a value (see --help)'],
    [['publish', '--env', '', '--repo', 'x'], '--env needs a value (see --help)'],
    [['publish', '--env', 'dev', '--repo', 'x', '--force'], 'unknown option "--force" (see --help)'],
    [['publish', '--env', 'dev', '--repo', 'x', '--allow-dirty=yes'], '--allow-dirty takes no value (see --help)'],
    [['publish', '--env', 'dev', '--repo', 'x', 'prod'], 'unexpected argument "prod": every option starts with -- (see --help)'],
    [['publish', '--env', 'dev', '--repo', 'x', '--from', 'staging'], '--from does not go with publish (see --help)'],
    [['promote', '--from', 'staging', '--to', 'prod', '--repo', 'x', '--allow-dirty'],
      '--allow-dirty does not go with promote: a promotion is only made from committed code (its source environment\'s publish must be HEAD) (see --help)'],
    [['promote', '--from', 'staging', '--to', 'prod', '--repo', 'x', '--site-image', 'r/s:2'],
      '--site-image does not go with promote: a promotion carries the images of the source environment\'s last publish (see --help)'],
    [['promote', '--from', 'prod', '--to', 'prod', '--repo', 'x'], '--from and --to are both "prod": a promotion goes from one target to the next (see --help)'],
    [['promote', '--from', 'staging', '--repo', 'x'], 'promote needs --to <target> (see --help)'],
    [['render', '--env', 'dev'], '--env does not go with render (see --help)'],
  ])('%j: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(new UsageError(message));
  });

  test('--help names every option and exit code', () => {
    for (const flag of ['--env', '--from', '--to', '--repo', '--site-image', '--api-image', '--allow-dirty', '--outdir']) expect(HELP).toContain(flag);
    for (const code of ['0  done', '1  usage', '2  the synth', '3  refused', '4  git failed']) expect(HELP).toContain(code);
  });
});
