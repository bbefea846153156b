import { defineConfig } from "vitest/config";

/**
 * Tests run on source: workspace packages resolve through the `@charrnn/source`
 * export condition, so no package has to be built before another's tests run.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ["@charrnn/source", "module", "node", "import", "default"] },
  ssr: { resolve: { conditions: ["@charrnn/source", "module", "node", "import", "default"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
