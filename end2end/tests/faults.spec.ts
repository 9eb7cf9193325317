import { expect, Page, test } from "@playwright/test";
import { adminToken, setFaults } from "./cloud";
import { ADMIN, hydrated, login, loginAsAdmin } from "./helpers";

// Ferry keeps working when OpenStack misbehaves: a clear banner naming the service, the other
// pages still served, recovery on its own, and nothing internal on the page.
let token = "";
test.beforeAll(async () => {
  token = await adminToken();
});
test.afterEach(async () => {
  await setFaults({}, token);
});

async function expectNothingInternal(page: Page) {
  const html = await page.content();
  for (const leak of ["Traceback", "panicked", "X-Auth-Token", "x-subject-token", token]) {
    expect(html).not.toContain(leak);
  }
}

test("Nova answering 503: a banner names Nova, other pages still work, and it recovers", async ({ page }) => {
  await loginAsAdmin(page);
  await setFaults({ nova: "unavailable503" }, token);
  await page.goto("/admin/instances");
  const banner = page.getByRole("alert");
  await expect(banner).toContainText("Nova (Compute) refused or failed");
  await expect(banner).toContainText("HTTP 503");
  await expectNothingInternal(page);
  // The rest of Ferry is still up.
  expect((await page.request.get("/login")).status()).toBe(200);
  expect((await page.request.get("/healthz")).status()).toBe(200);
  await setFaults({}, token);
  await page.reload();
  await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
});

test("Nova failing with 500: no stack trace reaches the page", async ({ page }) => {
  await loginAsAdmin(page);
  await setFaults({ nova: "error500" }, token);
  await page.goto("/admin/instances");
  await expect(page.getByRole("alert")).toContainText("HTTP 500");
  await expectNothingInternal(page);
});

test("Nova not answering at all: Ferry says so within its timeout and recovers", async ({ page }) => {
  await loginAsAdmin(page);
  await setFaults({ nova: "no_answer" }, token);
  await page.goto("/admin/instances", { timeout: 30_000 });
  await expect(page.getByRole("alert")).toContainText("Nova (Compute) is not answering", { timeout: 30_000 });
  await expectNothingInternal(page);
  await setFaults({}, token);
  await page.reload();
  await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
});

test("Keystone down: login says which service failed; a logged-in admin keeps the list", async ({ page, browser }) => {
  await loginAsAdmin(page);
  await setFaults({ keystone_down: true }, token);
  // Already logged in: Nova still answers, so the list still works (project names fall back to ids).
  await page.reload();
  await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
  // A new login cannot work, and says why.
  const other = await browser.newPage();
  await login(other, ADMIN);
  await expect(other.getByRole("alert")).toContainText("Identity (Keystone)");
  await expectNothingInternal(other);
  await other.close();
  await setFaults({}, token);
  const again = await browser.newPage();
  await login(again, ADMIN);
  await expect(again).toHaveURL(/\/admin\/instances/);
  await hydrated(again);
  await again.close();
});
