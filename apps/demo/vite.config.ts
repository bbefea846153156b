import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the built page works from any folder (or a file server's subpath).
  base: "./",
  // Bundle the workspace packages from source so the demo never waits for their builds.
  resolve: { conditions: ["@charrnn/source", "module", "browser", "import", "default"] },
  // onnxruntime-web finds its wasm next to its own module; pre-bundling would move the module.
  optimizeDeps: { exclude: ["onnxruntime-web"] },
  // The training worker is an ES module (`new Worker(url, { type: "module" })`).
  worker: { format: "es" },
  build: { target: "es2022", outDir: "dist", chunkSizeWarningLimit: 1024 },
});
