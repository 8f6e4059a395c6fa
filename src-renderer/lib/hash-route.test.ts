import { pathOfHash, segmentsOf } from './hash-route';
import { hrefs } from './hrefs';

describe('hash routes', () => {
  it('normalises the hash to a path', () => {
    expect(pathOfHash('')).toBe('/');
    expect(pathOfHash('#')).toBe('/');
    expect(pathOfHash('#/connections')).toBe('/connections');
    expect(pathOfHash('#overview')).toBe('/overview');
  });

  it('round-trips a node id holding a slash and a colon', () => {
    const href = hrefs.node('rs0/db-a.example:27017');
    expect(segmentsOf(pathOfHash(href))).toEqual(['node', 'rs0/db-a.example:27017']);
  });

  it('refuses malformed percent-encoding instead of throwing', () => {
    expect(segmentsOf('/node/%E0%A4%A')).toBeUndefined();
  });
});
