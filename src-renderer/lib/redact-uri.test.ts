import { redactUri } from './redact-uri';

describe('redactUri', () => {
  it('hides a password and keeps the user and hosts', () => {
    expect(redactUri('mongodb://admin:s3cr%40t@db1:27017,db2/?replicaSet=rs0')).toBe('mongodb://admin:***@db1:27017,db2/?replicaSet=rs0');
    expect(redactUri('mongodb+srv://u:p@cluster.example.net/')).toBe('mongodb+srv://u:***@cluster.example.net/');
  });
  it('leaves URIs without a password alone', () => {
    expect(redactUri('mongodb://db1:27017')).toBe('mongodb://db1:27017');
    expect(redactUri('mongodb://user@db1/?authMechanism=MONGODB-X509')).toBe('mongodb://user@db1/?authMechanism=MONGODB-X509');
  });
});

describe('redactUri with an unencoded @ in the password', () => {
  it('hides everything up to the last @ of the authority', () => {
    expect(redactUri('mongodb://a:b@c@host:1/')).toBe('mongodb://a:***@host:1/');
  });
});
