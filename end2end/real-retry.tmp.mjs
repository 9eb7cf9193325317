import { chromium } from "@playwright/test";
const URL = "http://127.0.0.1:3320";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless","--no-sandbox","--disable-gpu"] });
const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(URL + "/login"); await page.waitForTimeout(1500);
await page.getByLabel("User name").fill("admin"); await page.getByLabel("Password").fill("admin"); await page.getByLabel("Project").fill("admin");
await page.getByRole("button", { name: "Log in" }).click(); await page.waitForURL(/admin\/instances/);
await page.goto(URL + "/admin/hosts/compute-1/drain");
const op = process.env.OP ?? "Retry failed";
await page.getByRole("button", { name: op }).click();
for (let n = 0; n < 60; n++) {
  await page.waitForTimeout(2000); await page.reload();
  const st = await page.locator(".drain-job").getAttribute("data-state");
  console.log(st);
  if (n === 1) await page.screenshot({ path: "/tmp/realdrain/op-running.png", fullPage: true });
  if (st !== "running" && st !== "moving_back" && st !== "planned") break;
}
await page.screenshot({ path: "/tmp/realdrain/op-ended.png", fullPage: true });
console.log(await page.locator("table.drain-items").innerText());
console.log((await page.locator(".drain-job").innerText()).split("Timeline")[1].split("\n").slice(0,8).join("\n"));
await b.close();
