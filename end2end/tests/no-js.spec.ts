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

test("a refused login says why with JavaScript off too", async ({ page }) => {
  await page.goto("/login?next=%2Fadmin%2Finstances");
  await page.getByLabel("User name").fill(ADMIN.user);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByLabel("Project").fill(ADMIN.project);
  await page.getByRole("button", { name: "Log in" }).click();
  // The browser posted the form itself; the refusal came back to the login page with what was
  // typed, except the password.
  await expect(page).toHaveURL(/\/login\?refused=credentials&next=%2Fadmin%2Finstances&user=admin&project=admin/);
  await expect(page.getByRole("alert")).toContainText("Keystone refused the login");
  await expect(page.getByLabel("User name")).toHaveValue(ADMIN.user);
  await expect(page.getByLabel("Project")).toHaveValue(ADMIN.project);
  await expect(page.getByLabel("Password")).toHaveValue("");
  expect(page.url()).not.toContain("not-the-password");
  // And the right password then goes on to the page asked for.
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/admin\/instances$/);
  await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
});
