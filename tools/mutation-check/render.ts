import { Protection } from './protections';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (text: string) => {
  const flat = cell(text.trim());
  const shown = flat.length > 90 ? `${flat.slice(0, 87)}...` : flat;
  const ticks = shown.includes('`') ? '``' : '`';
  return `${ticks}${ticks === '``' ? ' ' : ''}${shown}${ticks === '``' ? ' ' : ''}${ticks}`;
};

/**
 * docs/security.md: the protections of security/protections/*.yaml as one table per list
 * (protection, where, test), in the lists' order. The same lists always give the same bytes.
 */
export function renderSecurityDoc(protections: readonly Protection[]): string {
  const lines = [
    '# Security protections',
    '',
    'Generated from `security/protections/*.yaml` by `npm run update` (a unit test fails when this',
    'file is out of date). Each row is a protection, the config line or code that makes it, and',
    'the test that fails without it: `npm run mutation-check` removes each one in turn, in a',
    'throwaway copy of the project, and shows that its test fails.',
    '',
  ];
  const sources = [...new Set(protections.map((p) => p.source))];
  for (const source of sources) {
    const rows = protections.filter((p) => p.source === source);
    lines.push(`## ${source.replace(/^.*\//, '').replace(/\.ya?ml$/, '')} (\`${source}\`, ${rows.length})`, '');
    lines.push('| protection | where | test |', '|---|---|---|');
    for (const p of rows) {
      const test = p.name ? `\`${p.test}\`: ${cell(p.name)}` : `\`${p.test}\``;
      lines.push(`| ${cell(p.protects)} | \`${p.file}\`: ${code(p.remove)} | ${test} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
