// Drives Debian's headless Chromium through signup-web's pages with
// playwright-core (a fresh profile each run), one action per run, as a
// person would: the form filled and submitted, a mailed link opened and its
// button pressed. Prints one JSON object: the status, address and visible
// text of each page reached.
//
//   node browse.mjs signup BASE_URL DOMAIN PRIMARIES [KEY]
//   node browse.mjs confirm LINK            (opens the link, then presses its button)
//   node browse.mjs open URL
//   node browse.mjs press URL BUTTON_TEXT   (a button on that page, e.g. "Remove the zone")
import { chromium } from 'playwright-core';

const [action, ...args] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: 30000,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = {};
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const snap = async (resp) => ({
    status: resp ? resp.status() : null,
    url: page.url(),
    title: await page.title(),
    text: await page.innerText('body'),
  });
  // Presses a button and waits for the page its form leads to.
  const press = async (locator) => {
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
                                      locator.click()]);
    return snap(resp);
  };
  if (action === 'signup') {
    const [base, domain, primaries, key] = args;
    out.form = await snap(await page.goto(base + '/'));
    // The labels name the fields: what a screen reader announces is what we fill.
    await page.getByLabel('Domain', { exact: false }).first().fill(domain);
    await page.getByLabel('Primary', { exact: false }).first().fill(primaries);
    if (key) await page.locator('#key').fill(key);
    Object.assign(out, await press(page.locator('form button[type=submit]')));
  } else if (action === 'confirm') {
    out.get = await snap(await page.goto(args[0]));
    const button = page.locator('form[action="/confirm"] button[type=submit]');
    if (await button.count() === 0) {
      Object.assign(out, out.get);
    } else {
      Object.assign(out, await press(button));
    }
  } else if (action === 'open') {
    Object.assign(out, await snap(await page.goto(args[0])));
  } else if (action === 'press') {
    out.before = await snap(await page.goto(args[0]));
    Object.assign(out, await press(page.getByRole('button', { name: args[1] })));
  } else {
    throw new Error(`unknown action ${action}`);
  }
} catch (e) {
  out.error = String(e && e.message ? e.message : e);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(out.error ? 1 : 0);
