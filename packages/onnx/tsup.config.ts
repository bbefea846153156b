import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/load-ort-node.ts", "src/graph.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
