/**
 * Renders DOT text as SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz, pinned in
 * package.json): the same Graphviz version on every machine, so the committed pictures compare
 * byte for byte, and no system Graphviz to install.
 */
export async function renderSvg(dot: string): Promise<string> {
  return (await graphviz()).dot(dot, 'svg');
}

let loaded: Promise<import('@hpcc-js/wasm-graphviz').Graphviz> | undefined;
function graphviz() {
  // Loaded on first use, once: the package is an ES module, and only drawing needs its WebAssembly.
  loaded ??= import('@hpcc-js/wasm-graphviz').then((m) => m.Graphviz.load());
  return loaded;
}
