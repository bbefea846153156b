import { defineConfig } from "vitest/config";
// Extensionless: this file is also type-checked with the demo (no .ts imports there).
import { sharedConfig } from "../../vitest.shared";

/**
 * End-to-end tests: build the page, serve it with `vite preview` and drive it in headless Chromium
 * (playwright-core with the system browser; see e2e/browser.ts). Kept apart from the unit tests.
 */
export default defineConfig({
  // Workspace packages from source, as in the unit tests (only their resolution: not their include).
  resolve: sharedConfig.resolve,
  ssr: sharedConfig.ssr,
  test: {
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
