import { defineConfig } from 'vite';

// Preact's automatic JSX runtime through esbuild (no Babel preset needed). The output is plain
// files with content-hashed names under assets/, served by the local host and by CloudFront.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // No inline <script>/<style> and no data: module preloads: the CSP allows only files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:8080' } },
});
