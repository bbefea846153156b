import { defineConfig } from "vite";

/**
 * Cross-origin isolation: SharedArrayBuffer, hence onnxruntime-web's WebAssembly threads, needs
 * both headers on the page (and on the worker scripts). A static host must send the same two
 * headers (public/_headers does it on Netlify and Cloudflare Pages); without them training runs
 * on one thread.
 */
export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  // Relative asset URLs: the built page works from any folder (or a file server's subpath).
  base: "./",
  // Bundle the workspace packages from source so the demo never waits for their builds.
  resolve: { conditions: ["@charrnn/source", "module", "browser", "import", "default"] },
  // onnxruntime-web finds its wasm next to its own module; pre-bundling would move the module.
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  // The training worker is an ES module (`new Worker(url, { type: "module" })`).
  worker: { format: "es" },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: "es2022", outDir: "dist", chunkSizeWarningLimit: 1024 },
});
