'use strict';
// The app's validation plugin for `cdk8s synth` (cdk8s.yaml `validations:`, keep-last-good.ts).
// A process that loads TypeScript already (jest, tsx) loads it directly. The CLI requires this
// file with plain Node and constructs the class at once, so there the class is a stand-in that
// compiles keep-last-good.ts the way the app is run (compiled-entry.js: esbuild, cached by
// content) when the CLI calls it, and hands the call on.
function load() {
  try {
    return require('./keep-last-good.ts');
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return undefined;
  }
}

const direct = load();

class KeepLastGoodOutput {
  constructor(properties = {}) {
    this.properties = properties;
  }

  async validate(context) {
    const { load: compiled } = require('./compiled-entry');
    const plugin = (await compiled(require.resolve('./keep-last-good.ts'))).KeepLastGoodOutput;
    return new plugin(this.properties).validate(context);
  }
}

module.exports = direct ?? { KeepLastGoodOutput };
