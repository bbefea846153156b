import { defineConfig } from "vite";

export default defineConfig({
  // Bundle the workspace packages from source so the demo never waits for their builds.
  resolve: { conditions: ["@charrnn/source", "module", "browser", "import", "default"] },
  build: { target: "es2022", outDir: "dist" },
});
