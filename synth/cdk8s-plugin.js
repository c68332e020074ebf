'use strict';
// The app's validation plugin for `cdk8s synth` (cdk8s.yaml `validations:`, remove-refused-output.ts).
// The CLI requires it with plain Node, so this file loads the TypeScript through tsx, as the app
// itself is run; a process that loads TypeScript already (npm run synth, jest) loads it directly.
function load() {
  try {
    return require('./remove-refused-output.ts');
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return require('tsx/cjs/api').require('./remove-refused-output.ts', __filename);
  }
}

module.exports = load();
