import { InputError } from '../../src/core/errors';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../src/sim/kube-selectors';

describe('label selectors', () => {
  it.each([
    ['app=web', [{ op: 'in', key: 'app', values: ['web'] }]],
    ['app==web', [{ op: 'in', key: 'app', values: ['web'] }]],
    ['app!=web', [{ op: 'notin', key: 'app', values: ['web'] }]],
    ['app', [{ op: 'exists', key: 'app' }]],
    ['!app', [{ op: '!exists', key: 'app' }]],
    [
      'tier in (web, api),app',
      [
        { op: 'in', key: 'tier', values: ['web', 'api'] },
        { op: 'exists', key: 'app' },
      ],
    ],
    ['tier notin (db)', [{ op: 'notin', key: 'tier', values: ['db'] }]],
    [
      'app.kubernetes.io/name=aks-snat-responder',
      [{ op: 'in', key: 'app.kubernetes.io/name', values: ['aks-snat-responder'] }],
    ],
    ['k=', [{ op: 'in', key: 'k', values: [''] }]],
    ['', []],
  ])('parses %p', (selector, expected) => {
    expect(parseLabelSelector(selector)).toEqual(expected);
  });

  it.each([['app=web,'], ['a b'], ['app=we b'], ['Bad_/key=x'], ['app=-x']])(
    'refuses %p with InputError',
    (selector) => {
      expect(() => parseLabelSelector(selector)).toThrow(InputError);
    },
  );

  const labels = { app: 'web', tier: 'front' };
  it.each([
    ['app=web', labels, true],
    ['app=api', labels, false],
    ['app!=api', labels, true],
    ['app!=web', labels, false],
    ['missing!=x', labels, true],
    ['app,tier=front', labels, true],
    ['app,!tier', labels, false],
    ['app in (api,web)', labels, true],
    ['app notin (api,web)', labels, false],
    ['app', undefined, false],
    ['!app', undefined, true],
  ])('%p matches %p: %p', (selector, objectLabels, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), objectLabels)).toBe(expected);
  });
});

describe('field selectors', () => {
  const supported = ['metadata.name', 'spec.nodeName', 'status.phase'];

  it.each([
    ['spec.nodeName=aks-1', [{ field: 'spec.nodeName', op: '=', value: 'aks-1' }]],
    [
      'spec.nodeName==aks-1,status.phase!=Failed',
      [
        { field: 'spec.nodeName', op: '=', value: 'aks-1' },
        { field: 'status.phase', op: '!=', value: 'Failed' },
      ],
    ],
    ['metadata.name=a\\,b', [{ field: 'metadata.name', op: '=', value: 'a,b' }]],
    ['spec.nodeName=', [{ field: 'spec.nodeName', op: '=', value: '' }]],
  ])('parses %p', (selector, expected) => {
    expect(parseFieldSelector(selector, supported)).toEqual(expected);
  });

  it('names an unsupported field as the real server does', () => {
    expect(() => parseFieldSelector('spec.host=x', supported)).toThrow(
      new InputError('field label not supported: spec.host'),
    );
  });

  it('refuses a term without an operator', () => {
    expect(() => parseFieldSelector('spec.nodeName', supported)).toThrow(InputError);
  });

  it.each([
    ['spec.nodeName=aks-1', true],
    ['spec.nodeName!=aks-1', false],
    ['spec.nodeName=aks-1,status.phase=Running', true],
    ['spec.nodeName=aks-1,status.phase=Pending', false],
    ['metadata.name=', false],
  ])('%p on a Running pod of aks-1: %p', (selector, expected) => {
    const fields = { 'metadata.name': 'p', 'spec.nodeName': 'aks-1', 'status.phase': 'Running' };
    expect(matchesFields(parseFieldSelector(selector, supported), fields)).toBe(expected);
  });
});
