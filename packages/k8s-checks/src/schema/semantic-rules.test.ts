import { semanticViolations } from './semantic-rules';

test('a field under a key with "/" or "~" is named by its escaped JSON pointer', () => {
  const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { 'a/b~c': { ports: [{ name: 'Web_HTTP' }] } } };
  expect(semanticViolations(widget)).toEqual([expect.objectContaining({ path: '/spec/a~1b~0c/ports/0/name', message: expect.stringMatching(/^port name "Web_HTTP" is invalid/) })]);
});
