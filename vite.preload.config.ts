// The preload runs sandboxed: it must be one CommonJS file that requires nothing but 'electron'.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'out/preload',
    emptyOutDir: true,
    target: 'chrome130',
    minify: false,
    rollupOptions: {
      input: { preload: 'src-preload/preload.ts' },
      external: ['electron'],
      output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
    },
  },
  ssr: { noExternal: true },
});
