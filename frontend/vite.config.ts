/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API serves the build at / with /assets mounted, so the base stays '/'.
// In development the dev server proxies the API (and its WebSocket) to a local `hourglass serve`.
const apiTarget = process.env.HOURGLASS_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      '/v1': { target: apiTarget, changeOrigin: true, ws: true },
      '/healthz': { target: apiTarget, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'e2e/*.test.ts'],
    // Unit tests run in Node; component tests ask for jsdom with a `@vitest-environment jsdom` comment.
    environment: 'node',
    setupFiles: ['src/test/setup.ts'],
  },
});
