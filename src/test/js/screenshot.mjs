// Screenshot of the dashboard for the docs:
//   node screenshot.mjs <base URL> <png> [seconds to watch first] [width] [height]
import { launch } from './browser.mjs';

const [base, out, watch = '0', width = '1600', height = '1000'] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: Number(width), height: Number(height) });
  await page.goto(base + '/');
  await page.locator('#status[data-state="live"]').waitFor({ timeout: 30000 });
  await page.waitForTimeout(Number(watch) * 1000);
  await page.screenshot({ path: out });
} finally {
  await browser.close();
}
