import { expect, test } from "@playwright/test";
import { ADMIN, hydrated, login, loginAsAdmin, MEMBER } from "./helpers";

test("an admin logs in and lands on the instance list", async ({ page }) => {
  await loginAsAdmin(page);
  await expect(page.getByRole("heading", { name: "Instances" })).toBeVisible();
  await expect(page.locator(".who .user")).toContainText("admin");
});

test("a wrong password gets Keystone's refusal in plain words", async ({ page }) => {
  await login(page, { ...ADMIN, password: "not-the-password" });
  await expect(page.getByRole("alert")).toContainText("Keystone refused the login");
  await expect(page).toHaveURL(/\/login/);
  // Shown in place: what was typed stays, so a wrong project needs no retyping of the rest.
  await expect(page.getByLabel("User name")).toHaveValue(ADMIN.user);
  await expect(page.getByLabel("Project")).toHaveValue(ADMIN.project);
  await expect(page.getByRole("button", { name: "Log in" })).toBeEnabled();
});

test("a page asked for before login comes back after it", async ({ page }) => {
  await page.goto("/admin/instances?status=SHUTOFF");
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByLabel("User name").fill(ADMIN.user);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByLabel("Project").fill(ADMIN.project);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/admin\/instances\?status=SHUTOFF/);
});

test("the session cookie is HttpOnly, SameSite=Strict and holds no readable token", async ({ page, context }) => {
  await loginAsAdmin(page);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "ferry_session");
  expect(session).toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Strict");
  expect(await page.evaluate(() => document.cookie)).not.toContain("ferry_session");
  // The cookie is encrypted: no part of it reads as JSON or a token.
  expect(decodeURIComponent(session!.value)).not.toMatch(/token|admin|compute/);
});

test("logout, then the back button, shows no data", async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goBack();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.locator("table.instances")).toHaveCount(0);
  // And a fresh load of the list is refused too.
  const response = await page.request.get("/admin/instances", {
    maxRedirects: 0,
    headers: { accept: "text/html" },
  });
  expect(response.status()).toBe(302);
});

test("a member gets no admin page and no admin data", async ({ page }) => {
  await login(page, MEMBER);
  await expect(page.getByText("Welcome, member")).toBeVisible();
  await page.goto("/admin/instances");
  await expect(page.getByRole("alert")).toContainText("Administrator role required");
  await expect(page.locator("table.instances")).toHaveCount(0);
  const html = await (await page.request.get("/admin/instances")).text();
  expect(html).not.toContain("compute1");
  expect(html).not.toContain("data-id=");
});

test("a member calling the list server function directly is refused", async ({ page }) => {
  await login(page, MEMBER);
  await expect(page.getByText("Welcome, member")).toBeVisible();
  const response = await page.request.post("/api/list_instances", {
    form: { "query[name]": "", "query[limit]": "50", scope: "AllProjects" },
  });
  expect(response.ok()).toBe(false);
  const body = await response.text();
  expect(response.status()).toBe(403);
  expect(body).toContain("Administrator role required");
  expect(body).toContain("os_compute_api:servers:detail:get_all_tenants");
  // No host name leaks (the refusal names the policy, os_compute_api:…).
  expect(body).not.toContain("compute1");
});

test("pages carry a CSP that forbids framing", async ({ page }) => {
  const response = await page.request.get("/login");
  const csp = response.headers()["content-security-policy"];
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=_-]+'/);
  // The release build talks to no live-reload socket (cargo-leptos's, in development only).
  expect(csp).not.toContain("ws:");
  expect(csp).toContain("connect-src 'self';");
  expect(response.headers()["x-frame-options"]).toBe("DENY");
});
