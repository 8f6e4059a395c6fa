import { createContext, useContext, type ReactNode } from 'react';

/**
 * How charts render. Canvas in the browser; tests (jsdom has no canvas and no layout) ask for SVG
 * at a fixed size. The SVG renderer is registered by whoever asks for it, so it stays out of the bundle.
 */
export interface ChartEnvironment {
  renderer: 'canvas' | 'svg';
  width?: number;
  height?: number;
}

const DEFAULT: ChartEnvironment = { renderer: 'canvas' };
const Ctx = createContext<ChartEnvironment>(DEFAULT);

export function ChartEnvironmentProvider({ value, children }: { value: ChartEnvironment; children: ReactNode }) {
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export const useChartEnvironment = (): ChartEnvironment => useContext(Ctx);
