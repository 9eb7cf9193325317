import { expect, Page } from "@playwright/test";

export const ADMIN = { user: "admin", password: "ferry-admin", project: "admin" };
export const OPERATOR = { user: "operator", password: "ferry-operator", project: "web" };
export const MEMBER = { user: "member", password: "ferry-member", project: "analytics" };

/** Waits until the WASM has hydrated the page, so clicks reach live handlers. */
export async function hydrated(page: Page) {
  await expect(page.locator(".hydration-marker")).toHaveAttribute("data-hydrated", "true");
}

export async function login(
  page: Page,
  who: { user: string; password: string; project: string },
  next?: string,
) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await hydrated(page);
  await page.getByLabel("User name").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByLabel("Project").fill(who.project);
  await page.getByRole("button", { name: "Log in" }).click();
}

export async function loginAsAdmin(page: Page) {
  await login(page, ADMIN);
  await expect(page).toHaveURL(/\/admin\/instances/);
  await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
}

/** All values of one column of the instance table (1-based column index). */
export async function column(page: Page, index: number): Promise<string[]> {
  return page.locator(`table.instances tbody tr td:nth-child(${index})`).allInnerTexts();
}

export const COL = { name: 1, project: 2, host: 3, ips: 4, flavor: 5, status: 6, task: 7, power: 8, age: 9 };

/** Waits until the column is non-empty and every cell passes `check` (the table re-renders after a filter). */
export async function expectColumn(page: Page, index: number, check: (cell: string) => boolean) {
  await expect
    .poll(async () => {
      const cells = await column(page, index);
      return cells.length > 0 && cells.every(check);
    })
    .toBe(true);
}
