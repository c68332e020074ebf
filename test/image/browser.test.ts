/// <reference lib="dom" />
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { NginxServer } from './support/nginx';

// Headless Debian Chromium against the shipped nginx config: the page must render with no
// console error, no CSP violation and no failed request, and leaves screenshots behind.
const SHOTS = path.join(__dirname, '..', '..', 'build', 'screenshots');

jest.setTimeout(90000);

describe('the site in headless Chromium', () => {
  let nginx: NginxServer;
  let browser: Browser;
  beforeAll(async () => {
    nginx = await NginxServer.start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await nginx?.stop();
  });

  /**
   * Opens URL and collects every problem: console errors and warnings (with the URL they are
   * about), uncaught exceptions, CSP violations (the securitypolicyviolation event, reported
   * through the console), failed requests and HTTP errors of subresources.
   */
  async function load(url: string, viewport: { width: number; height: number }) {
    const page = await browser.newPage({ viewport });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const response = await page.goto(url, { waitUntil: 'networkidle' });
    return { page, problems, response };
  }

  /** The one expected failure: the page asks /api/info, and no API runs behind this nginx. */
  const apiAbsent = (p: string) => p === `HTTP 404: ${nginx.url}/api/info`
    || p === `console error: Failed to load resource: the server responded with a status of 404 (Not Found) (${nginx.url}/api/info)`;

  test('renders without console errors, CSP violations or failed requests', async () => {
    const { page, problems, response } = await load(`${nginx.url}/`, { width: 1280, height: 800 });
    expect(response!.status()).toBe(200);
    await expect(page.locator('h1').textContent()).resolves.toBe('minCloud mini Project!!');
    await expect(page.title()).resolves.toBe('minCloud mini Project');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    // The stylesheet applied (the header's gradient comes from the fingerprinted CSS).
    const background = await page.locator('header.site').evaluate((e) => getComputedStyle(e).backgroundImage);
    expect(background).toContain('linear-gradient');
    // The script ran: without an API behind /api it says so, instead of failing the page.
    await expect(page.locator('#api-status').getAttribute('data-state')).resolves.toBe('down');
    // The favicon loaded (an SVG served with its type).
    const icon = await page.evaluate(async () => (await fetch('/favicon.svg')).headers.get('content-type'));
    expect(icon).toMatch(/^image\/svg\+xml/);
    expect(problems.filter((p) => !apiAbsent(p))).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'site.png'), fullPage: true });
    await page.close();
  });

  test('narrow screens: no horizontal scrolling, skip link first in tab order', async () => {
    const { page } = await load(`${nginx.url}/`, { width: 375, height: 740 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, 'site-mobile.png'), fullPage: true });
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    // The skip link becomes visible when focused, and leads to the main content.
    const top = await page.locator('.skip-link').evaluate((e) => e.getBoundingClientRect().top);
    expect(top).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('content');
    await page.close();
  });

  test('the 404 page renders styled, without errors', async () => {
    const { page, problems, response } = await load(`${nginx.url}/missing`, { width: 1024, height: 700 });
    expect(response!.status()).toBe(404);
    await expect(page.locator('h1').textContent()).resolves.toBe('Page not found');
    // Only the document itself is a 404 (Chromium logs that as a failed load of the page's URL).
    expect(problems.filter((p) => p !== `console error: Failed to load resource: the server responded with a status of 404 (Not Found) (${nginx.url}/missing)`)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, '404.png') });
    await page.close();
  });

  test('a CSP violation is detected (the check can fail)', async () => {
    const { page, problems } = await load(`${nginx.url}/`, { width: 800, height: 600 });
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.inlineRan = true';
      document.body.appendChild(s);
    });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    expect(problems.some((p) => /Content Security Policy|CSP violation/.test(p))).toBe(true);
    await page.close();
  });
});
