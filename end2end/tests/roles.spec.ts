import { expect, test } from "@playwright/test";
import { hydrated, login, MEMBER, OPERATOR } from "./helpers";

test("a member's direct call of the migration server function is refused with the policy", async ({ page }) => {
  await login(page, MEMBER);
  await expect(page.getByText("Welcome, member")).toBeVisible();
  const r = await page.request.post("/api/live_migrate", {
    form: { "request[instance_id]": "00000000-0000-0000-0000-000000000000" },
  });
  expect(r.ok()).toBe(false);
  const body = await r.text();
  expect(body).toContain("os_compute_api:os-migrate-server:migrate_live");
});

test("an operator (project manager) moves their project's instances without the host picker", async ({ page }) => {
  await login(page, OPERATOR);
  await expect(page).toHaveURL(/\/project\/instances/);
  await hydrated(page);
  const projects = await page.locator("table.instances tbody td:nth-child(2)").allInnerTexts();
  expect(projects.length).toBeGreaterThan(0);
  for (const p of projects) expect(p.trim()).toBe("web");
  // Host and project filters are admin-only in Nova.
  await expect(page.getByLabel("Host")).toBeHidden();

  const row = page.locator("table.instances tbody tr", {
    has: page.locator("td.name a", { hasText: /^app-4$/ }),
  });
  await row.getByRole("button", { name: /More actions/ }).click();
  await row.getByRole("menuitem", { name: "Live Migrate", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Choosing a host yourself needs the admin role");
  await expect(dialog.locator("table.hosts")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Live Migrate" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".toast.good")).toContainText("Live migration of app-4");
  await expect(row.locator("td.status")).toContainText("Migrating", { timeout: 10_000 });
  await expect(row.locator("td.status")).toContainText("Active", { timeout: 30_000 });
});

test("an operator's hand-made request naming a host is refused with the policy's reason", async ({ page }) => {
  await login(page, OPERATOR);
  await expect(page).toHaveURL(/\/project\/instances/);
  const id = await page
    .locator("table.instances tbody tr", { has: page.locator("td.name a", { hasText: /^app-3$/ }) })
    .getAttribute("data-id");
  const r = await page.request.post("/api/live_migrate", {
    form: { "request[instance_id]": id!, "request[host]": "compute10" },
  });
  expect(r.ok()).toBe(false);
  const body = await r.text();
  expect(body).toContain("os_compute_api:os-migrate-server:migrate_live:host");
  expect(body).toContain("admin role");
});

test("a member sees no instance list and no migration actions", async ({ page }) => {
  await login(page, MEMBER);
  await expect(page.getByText("Welcome, member")).toBeVisible();
  await page.goto("/project/instances");
  await expect(page.getByRole("alert")).toContainText("Project manager role required");
  await expect(page.getByRole("button", { name: /More actions/ })).toHaveCount(0);
});
