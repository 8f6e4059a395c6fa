// Main-process build: the CLI / web server entry and the Electron entry, as Node ESM, with every
// npm dependency left external (native modules must load from node_modules or the Electron build).
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { define } from './vite.config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const deps = [...Object.keys(pkg.dependencies), 'electron'];
const external = (id: string) =>
  id.startsWith('node:') || builtinModules.includes(id) || deps.some((d) => id === d || id.startsWith(`${d}/`));

export default defineConfig({
  define,
  build: {
    ssr: true,
    outDir: 'out/main',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    minify: false,
    rollupOptions: {
      // logs-worker: worker threads of `logs analyze` load this small entry instead of the whole CLI chunk.
      input: { cli: 'src-main/cli/index.ts', main: 'src-main/main.ts', 'logs-worker': 'src-main/core/logs/logs-worker.ts' },
      external,
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
