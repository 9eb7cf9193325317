import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers";

test.use({ javaScriptEnabled: false });

test("the instance list reads fine with JavaScript off", async ({ page }) => {
  // Log in with a plain form post (what a browser without JS sends), then render the list.
  const login = await page.request.post("/api/login", {
    form: { user: ADMIN.user, password: ADMIN.password, project: ADMIN.project, domain: "Default", next: "/admin/instances" },
    maxRedirects: 0,
  });
  expect([200, 302, 303]).toContain(login.status());
  await page.goto("/admin/instances");
  await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
  await expect(page.locator("table.instances")).toContainText("compute");
});
