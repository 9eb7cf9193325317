import { expect, test } from "@playwright/test";
import { join } from "node:path";
import { hydrated, loginAsAdmin } from "./helpers";

// Refreshes the pictures in docs/screenshots (FERRY_SCREENSHOTS=1 npx playwright test screenshots).
test.skip(!process.env.FERRY_SCREENSHOTS, "only when asked for");

const out = (name: string) => join(__dirname, "..", "..", "docs", "screenshots", name);

test("screenshots of the list and the detail page", async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/login");
  await hydrated(page);
  await page.screenshot({ path: out("login.png") });
  await loginAsAdmin(page);
  await hydrated(page);
  await page.screenshot({ path: out("instances.png") });
  await page.getByLabel("Needs attention").check();
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/attention=1/);
  await page.screenshot({ path: out("attention.png") });
  await page.locator('tr[data-status="VERIFY_RESIZE"] .more-button').first().click();
  await page.screenshot({ path: out("verify-resize-menu.png") });
  await page.keyboard.press("Escape");
  await page.goto("/admin/instances?name=%5Eweb-2%24");
  await hydrated(page);
  await page.locator(".more-button").first().click();
  await page.getByRole("menuitem", { name: "Live Migrate", exact: true }).click();
  await expect(page.getByRole("dialog").locator("table.hosts")).toBeVisible();
  await page.screenshot({ path: out("live-migrate-dialog.png") });
  await page.keyboard.press("Escape");
  await page.locator(".more-button").first().click();
  await page.getByRole("menuitem", { name: "Migrate", exact: true }).click();
  await expect(page.getByRole("dialog").locator("table.hosts")).toBeVisible();
  await page.screenshot({ path: out("migrate-dialog.png") });
  await page.keyboard.press("Escape");
  await page.goto("/admin/instances?status=VERIFY_RESIZE");
  await hydrated(page);
  await page.locator('tr[data-status="VERIFY_RESIZE"] td.name a').first().click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await page.screenshot({ path: out("detail.png"), fullPage: true });
});
