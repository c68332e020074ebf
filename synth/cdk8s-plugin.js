'use strict';
// The app's validation plugin for `cdk8s synth` (cdk8s.yaml `validations:`, remove-refused-output.ts).
// A process that loads TypeScript already (jest, tsx) loads it directly. The CLI requires this
// file with plain Node and constructs the class at once, so there the class is a stand-in that
// compiles remove-refused-output.ts the way the app is run (compiled-entry.js: esbuild, cached by
// content) when the CLI calls it, and hands the call on.
function load() {
  try {
    return require('./remove-refused-output.ts');
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return undefined;
  }
}

const direct = load();

class RemoveRefusedOutput {
  constructor(properties = {}) {
    this.properties = properties;
  }

  async validate(context) {
    const { load: compiled } = require('./compiled-entry');
    const plugin = (await compiled(require.resolve('./remove-refused-output.ts'))).RemoveRefusedOutput;
    return new plugin(this.properties).validate(context);
  }
}

module.exports = direct ?? { RemoveRefusedOutput };
