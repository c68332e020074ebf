// `npm run deploy` as a program of its own, for the tests that need one (a deploy killed with
// kill -9, two deploys at once): the command's own code (tools/deploy), with the objects of
// $DEPLOY_EXTRA_OBJECTS (JSON) added to what the synth writes, as a code change would.
// Usage: node --import tsx deploy-child.ts <npm run deploy options>
import { parseArgs } from '../../../tools/deploy/args';
import { deploy } from '../../../tools/deploy/deploy';
import { editedSynth } from './deploy-helpers';

const extra = JSON.parse(process.env.DEPLOY_EXTRA_OBJECTS || '[]') as Array<Parameters<Parameters<typeof editedSynth>[0]>[0][number]>;
const opts = parseArgs(process.argv.slice(2));
if (opts === 'help') throw new Error('deploy-child: --help is not a deploy');
void deploy(opts, { log: (l) => console.log(l), error: (l) => console.error(l) }, extra.length ? editedSynth((docs) => [...docs, ...extra]) : {})
  .then((code) => { process.exitCode = code; });
