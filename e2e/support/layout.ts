/**
 * Layout measurements in a page or frame under test: tap-target sizes, form-control type sizes and
 * horizontal overflow. Sizes and positions only, never timings.
 */
import type { Frame, Page } from 'playwright-core';

export interface Layout {
  viewport: { width: number; height: number };
  scrollWidth: number;
  /** Controls smaller than the least tap size asked for, described. */
  small: string[];
  /** Form controls in type smaller than the least font size asked for, described. */
  smallType: string[];
  /** How many controls were measured. */
  controls: number;
}

/**
 * Measures the page as it is: every visible button, link, form control and other focusable
 * element (links inside a message's text are inline text, which WCAG 2.5.8 exempts), and the
 * document's width. Elements hidden (display: none, or the 1 px screen-reader-only labels) are
 * not targets.
 */
export async function measure(page: Page | Frame, minTap: number, minFont: number): Promise<Layout> {
  return page.evaluate(
    ({ minTap, minFont }) => {
      const doc = (globalThis as any).document;
      const win = globalThis as any;
      const selector =
        'button, a[href], input:not([type="hidden"]), select, textarea, summary, [role="button"], [tabindex]:not([tabindex="-1"])';
      const small: string[] = [];
      const smallType: string[] = [];
      let controls = 0;
      for (const el of doc.querySelectorAll(selector)) {
        if (el.closest('.sbx-bubble')) continue; // a link in a message's text is inline text
        const r = el.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1 || win.getComputedStyle(el).visibility === 'hidden') continue;
        controls++;
        // (No helper function here: the test loader would wrap it in a name-keeping call the page lacks.)
        const name = (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || '').trim().slice(0, 40);
        const what = `<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ''}> "${name}"`;
        if (r.width < minTap - 0.5 || r.height < minTap - 0.5) small.push(`${what} ${Math.round(r.width)}x${Math.round(r.height)}`);
        if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) {
          const px = parseFloat(win.getComputedStyle(el).fontSize);
          if (px < minFont) smallType.push(`${what} ${px}px`);
        }
      }
      return {
        viewport: { width: win.innerWidth, height: win.innerHeight },
        scrollWidth: doc.scrollingElement.scrollWidth,
        small,
        smallType,
        controls,
      };
    },
    { minTap, minFont },
  );
}
