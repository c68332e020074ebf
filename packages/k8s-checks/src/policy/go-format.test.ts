import { goLabelSelector, goMap, goQuoteList, labelSelectorString, labelSetString } from './go-format';

describe('values printed as Go prints them', () => {
  test('maps, string slices and label selectors as fmt prints them', () => {
    expect(goMap({ b: '2', a: '1' })).toBe('map[a:1 b:2]');
    expect(goMap(undefined)).toBe('map[]');
    expect(goQuoteList(['.*:(latest)$', '^[^:]*$'])).toBe('[".*:(latest)$" "^[^:]*$"]');
    expect(goLabelSelector({ matchLabels: { app: 'a' } })).toBe('&LabelSelector{MatchLabels:map[string]string{app: a,},MatchExpressions:[]LabelSelectorRequirement{},}');
    expect(goLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] }))
      .toBe('&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[x y],},},}');
  });

  test('label sets and selectors as their String() writes them, sorted by key', () => {
    expect(labelSetString({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(labelSelectorString({ matchLabels: { z: '1' }, matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['y', 'x'] }, { key: 'b', operator: 'DoesNotExist' }] }))
      .toBe('a notin (x,y),!b,z=1');
  });
});
