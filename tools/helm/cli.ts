import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { synthTargets } from '../../app';
import { version } from '../../package.json';
import { helmBinary, writeChart } from './chart';

const HELP = `Usage: npm run helm -- [--target NAME[,NAME]] [--out DIR] [--repo DIR]

Synthesizes the targets (into a temporary folder: dist/ is not touched), writes a Helm chart
per target to DIR/mincloud-<target>/ (default build/helm), or per cluster of a target on several
clusters to DIR/mincloud-<target>-<cluster>/, checks each with helm lint, then
packages them into a chart repository folder with an index.yaml (default build/charts), which
is what ChartMuseum or any static web server serves.
`;

async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        out: { type: 'string', default: path.join('build', 'helm') },
        repo: { type: 'string', default: path.join('build', 'charts') },
        target: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    console.error(`helm: ${(e as Error).message} (see --help)`);
    return 1;
  }
  if (values.help) { process.stdout.write(HELP); return 0; }
  const out = values.out!;
  const repo = values.repo!;
  const target = values.target;
  const helm = helmBinary();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-'));
  try {
    const synthesized = await synthTargets(tmp, { names: target?.split(','), everyCluster: true });
    fs.mkdirSync(repo, { recursive: true });
    for (const { target: t, cluster, dir } of synthesized) {
      const chart = writeChart(dir, t.name, out, version, cluster);
      execFileSync(helm, ['lint', '--strict', chart], { stdio: 'pipe' });
      execFileSync(helm, ['package', chart, '--destination', repo], { stdio: 'pipe' });
      console.log(`helm: ${chart} (lint ok) -> ${path.join(repo, `${path.basename(chart)}-${version}.tgz`)}`);
    }
    execFileSync(helm, ['repo', 'index', repo], { stdio: 'pipe' });
    console.log(`helm: ${path.join(repo, 'index.yaml')}`);
    return 0;
  } catch (e) {
    const err = e as Error & { stdout?: Buffer; stderr?: Buffer };
    console.error(`helm: ${err.message}\n${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
