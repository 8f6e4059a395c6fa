// formOf keeps each stored URI's parsed form (parsing builds a MongoClient, and every connection summary
// needs the form): the kept form must never be reachable by a caller, or one caller's edit would show in
// every later summary.
import { formOf } from './connection-profile';

describe('formOf', () => {
  const uri = 'mongodb://dba@db1.example:27017,db2.example:27018/?replicaSet=rs0&authSource=admin&tls=true&tlsAllowInvalidCertificates=true';

  it('gives the same form each time, as a copy the caller may change', () => {
    const a = formOf(uri);
    expect(a.hosts).toEqual(['db1.example:27017', 'db2.example:27018']);
    expect(a.tls).toEqual({ mode: 'on', allowInvalidCertificates: true });
    a.hosts.push('evil.example:1');
    a.tls = { mode: 'off' };
    const b = formOf(uri);
    expect(b).not.toBe(a);
    expect(b.hosts).toEqual(['db1.example:27017', 'db2.example:27018']);
    expect(b.tls).toEqual({ mode: 'on', allowInvalidCertificates: true });
  });

  it('still refuses a URI it cannot parse, every time (failures are not kept)', () => {
    expect(() => formOf('mongodb://')).toThrow(/no host|URI/i);
    expect(() => formOf('mongodb://')).toThrow(/no host|URI/i);
  });
});
