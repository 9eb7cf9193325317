import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Only for scripts/bench: figures, not pass/fail tests (scripts/test never runs these).
export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /.*\.bench\.ts/,
  globalSetup: undefined,
  timeout: 600_000,
});
