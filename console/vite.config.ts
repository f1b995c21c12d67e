import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

/** Where `npm run dev` finds the gateway (the console's API calls go there through Vite's proxy). */
const gateway = process.env.CONSOLE_API_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 3001}`

/**
 * Built into dist/, which the gateway serves at /console under a CSP of 'self' only: the output
 * is one script and one stylesheet file, nothing inline (no module-preload polyfill, which Vite
 * would inline; modern browsers have modulepreload).
 */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  // The typed client is bundled from its TypeScript source: nothing has to be built first.
  resolve: { conditions: ['@app/source'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    strictPort: true,
    proxy: {
      '/auth': gateway,
      '/event-gateway': gateway
    }
  }
})
