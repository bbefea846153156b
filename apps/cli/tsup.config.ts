import { defineConfig } from "tsup";

export default defineConfig({
  entry: { charrnn: "src/charrnn.ts" },
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node20",
  banner: { js: "#!/usr/bin/env node" },
});
