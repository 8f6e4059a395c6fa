import { commandNamespace } from './namespace';

describe('commandNamespace', () => {
  it('resolves db.$cmd to the collection or namespace the command names', () => {
    expect(commandNamespace('shop.$cmd', 'update', 'orders')).toBe('shop.orders');
    expect(commandNamespace('admin.$cmd', 'moveChunk', 'test.docs')).toBe('test.docs');
    expect(commandNamespace('admin.$cmd', 'shardCollection', 'db.c')).toBe('db.c');
    expect(commandNamespace('admin.$cmd', 'replSetStepDown', undefined)).toBe('admin.$cmd');
    expect(commandNamespace('admin.$cmd', 'setShardVersion', 'not a ns')).toBe('admin.$cmd');
    expect(commandNamespace('admin.$cmd', 'getParameter', '*')).toBe('admin.$cmd');
    expect(commandNamespace('db.c', 'find', 'c')).toBe('db.c');
  });
});
