// Accessibility checks of the extension's pages with axe-core (from npm),
// evaluated by the driver, which the pages' CSP does not stop.
import fs from 'node:fs';
import path from 'node:path';

const AXE = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * Runs axe's WCAG 2.1 A and AA rules on the page and returns the serious
 * and critical violations ({id, impact, nodes}), and all of them, as text,
 * for the assertion's message.
 */
export async function axeViolations(page) {
  await page.evaluate(`${AXE}\n;0`);
  const violations = await page.evaluate(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return { bad: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), all: JSON.stringify(violations) };
}
