import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The page calls the API on its own origin (/api/..., no CORS, the refresh token's storage stays first-party):
// in development Vite forwards those paths to the gateway, in production nginx does (apps/web/nginx.conf).
// eslint-disable-next-line no-restricted-properties -- build tooling, not a service
const gateway = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8080';
// eslint-disable-next-line no-restricted-properties -- build tooling, not a service
const port = Number(process.env['WEB_PORT'] ?? 3000);
const proxy = Object.fromEntries(
  ['/api', '/.well-known', '/docs'].map((path) => [
    path,
    { target: gateway, changeOrigin: false, xfwd: true },
  ]),
);

export default defineConfig({
  plugins: [react()],
  server: { port, strictPort: true, host: '127.0.0.1', proxy },
  preview: { port, strictPort: true, host: '127.0.0.1', proxy },
  build: { outDir: 'dist', sourcemap: true, target: 'es2022' },
});
