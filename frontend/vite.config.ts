/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import type { IncomingMessage } from 'node:http';

// `make web`: Vite's dev server with hot reload; API calls go to the local gateway
// (GATEWAY_PORT, default 3000). Paths the API and the app share (e.g. a reload of
// /market/orders/x is the app, GET /orders/x is the API) are told apart as the gateway
// does: a navigation that accepts HTML gets the app.
const gatewayPort = process.env.GATEWAY_PORT ?? '3000';
const wsPort = process.env.WEBSOCKET_PORT ?? String(Number(gatewayPort) + 1);
const api = `http://127.0.0.1:${gatewayPort}`;
const apiPrefixes = [
  '/graphql', '/users', '/auth', '/posts', '/comments', '/timeline', '/media', '/notifications',
  '/conversations', '/items', '/orders', '/search', '/payments', '/.well-known', '/openapi.json',
  '/health', '/connectsphere-media',
];
const htmlNavigation = (req: IncomingMessage) =>
  req.method === 'GET' && (req.headers.accept ?? '').includes('text/html') ? '/index.html' : undefined;

export default defineConfig({
  plugins: [react()],
  define: {
    'import.meta.env.VITE_DEV_WS_URL': JSON.stringify(`ws://127.0.0.1:${wsPort}`),
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(apiPrefixes.map((p) => [p, { target: api, bypass: htmlNavigation }])),
  },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 500,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
