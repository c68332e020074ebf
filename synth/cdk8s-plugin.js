'use strict';
// The app's validation plugin for `cdk8s synth` (cdk8s.yaml `validations:`, keep-last-good.ts).
// The CLI requires it with plain Node, so this file loads the TypeScript through tsx, as the app
// itself is run; a process that loads TypeScript already (npm run synth, jest) loads it directly.
function load() {
  try {
    return require('./keep-last-good.ts');
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return require('tsx/cjs/api').require('./keep-last-good.ts', __filename);
  }
}

module.exports = load();
