import type { z } from 'zod';

/** A request/response method: input and output are both validated by the dispatcher. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
}

export interface ServiceDef<
  N extends string = string,
  M extends Record<string, MethodDef> = Record<string, MethodDef>,
  E extends Record<string, z.ZodType> = Record<string, z.ZodType>,
> {
  readonly name: N;
  readonly methods: M;
  readonly events: E;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodDef<I, O> => ({
  input,
  output,
});

export function defineService<
  const N extends string,
  M extends Record<string, MethodDef>,
  E extends Record<string, z.ZodType> = Record<never, z.ZodType>,
>(name: N, methods: M, events?: E): ServiceDef<N, M, E> {
  return { name, methods, events: (events ?? {}) as E };
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** `{ 'svc.method': MethodDef }` for every method of every service in the tuple. */
export type FlatMethods<S extends readonly ServiceDef[]> = UnionToIntersection<
  { [K in keyof S]: S[K] extends ServiceDef<infer N, infer M> ? { [X in keyof M & string as `${N}.${X}`]: M[X] } : never }[number]
>;
export type FlatEvents<S extends readonly ServiceDef[]> = UnionToIntersection<
  {
    [K in keyof S]: S[K] extends ServiceDef<infer N, Record<string, MethodDef>, infer E>
      ? { [X in keyof E & string as `${N}.${X}`]: E[X] }
      : never;
  }[number]
>;

export function flatten<S extends readonly ServiceDef[]>(services: S) {
  const methods: Record<string, MethodDef> = {};
  const events: Record<string, z.ZodType> = {};
  for (const s of services) {
    for (const [k, v] of Object.entries(s.methods)) methods[`${s.name}.${k}`] = v;
    for (const [k, v] of Object.entries(s.events)) events[`${s.name}.${k}`] = v;
  }
  return { methods: methods as FlatMethods<S>, events: events as FlatEvents<S> };
}
