import { baleenShapeHash, queryShapeText, type QueryShapeRef, type ShapeInput } from '../diagnosis';

/** A shape as cached: its text and Baleen's own hash of it (computed once, not per line). */
export interface CachedShape {
  text: string;
  baleenHash: string;
}

/**
 * Memoises shapes by the raw text they came from. Logs repeat the same queries (often with the
 * same literals) thousands of times; a hit skips JSON.parse, normalisation and hashing. Bounded:
 * when full it starts over, which costs a few misses and never memory.
 */
export class ShapeCache {
  private map = new Map<string, CachedShape>();
  private chars = 0;
  hits = 0;
  misses = 0;
  /** Bounded by entries and by the total length of the keys (a key can be a whole filter). */
  constructor(
    private readonly maxEntries = 4096,
    private readonly maxChars = 8 * 1024 * 1024,
  ) {}

  /**
   * `rawKey` identifies the raw parts (op + their text); on a miss `build(ctx)` parses them.
   * The stored key is copied so the cache never pins the large buffer a slice came from.
   */
  get<C>(rawKey: string, op: string, ctx: C, build: (ctx: C) => ShapeInput | undefined): CachedShape | undefined {
    const cached = this.map.get(rawKey);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const input = build(ctx);
    if (input === undefined) return undefined;
    const text = queryShapeText(input);
    const shape = { text, baleenHash: baleenShapeHash(op, text) };
    // Keys longer than a sixteenth of the budget are not worth keeping: they rarely repeat.
    if (rawKey.length > this.maxChars / 16) return shape;
    if (this.map.size >= this.maxEntries || this.chars + rawKey.length > this.maxChars) {
      this.map = new Map();
      this.chars = 0;
    }
    this.map.set(detach(rawKey), shape);
    this.chars += rawKey.length;
    return shape;
  }
}

/** A copy of `s` that shares no memory with the string it was sliced from. */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** The shape reference of an operation: the server's hash when the line had one. */
export function shapeRef(shape: CachedShape, hashes: { queryShapeHash?: string; planCacheShapeHash?: string; queryHash?: string }): QueryShapeRef {
  if (hashes.queryShapeHash) return { text: shape.text, hash: hashes.queryShapeHash, hashSource: 'queryShapeHash' };
  if (hashes.planCacheShapeHash) return { text: shape.text, hash: hashes.planCacheShapeHash, hashSource: 'planCacheShapeHash' };
  if (hashes.queryHash) return { text: shape.text, hash: hashes.queryHash, hashSource: 'queryHash' };
  return { text: shape.text, hash: shape.baleenHash, hashSource: 'baleen' };
}
