import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The SPA builds into dist/web, which `writ serve` serves. Assets go under /static/ with content hashes,
 * so they can be cached for good; index.html is never cached. Nothing is inlined: the CSP allows no inline
 * script or style, and no asset is fetched from another origin.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'static',
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
