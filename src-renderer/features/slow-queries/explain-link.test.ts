import { explainHref } from './explain-link';

describe('explain link of a shape', () => {
  it('carries the namespace and the filter (or an aggregation first $match)', () => {
    expect(explainHref('shop.orders', '{"filter":{"status":"?string"},"sort":{"ts":-1}}')).toBe(`#/explain?ns=shop.orders&filter=${encodeURIComponent('{"status":"?string"}')}`);
    expect(explainHref('shop.orders', '{"pipeline":[{"$match":{"a":"?number"}},{"$group":{"_id":"$b"}}]}')).toBe(`#/explain?ns=shop.orders&filter=${encodeURIComponent('{"a":"?number"}')}`);
    expect(explainHref('a.b', 'not json')).toBe('#/explain?ns=a.b&filter=%7B%7D');
  });
});
