/**
 * axe-core, injected into a page (the installed `axe-core/axe.min.js`, no network): the page's
 * violations of impact "serious" or "critical", and a one-line summary of every violation.
 */
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const result = await (window as any).axe.run(document);
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n: any) => String(n.target)),
    }));
  });
}

export const isSerious = (f: AxeFinding) => f.impact === "serious" || f.impact === "critical";

export function summary(findings: AxeFinding[]): string {
  if (findings.length === 0) return "no violations";
  return findings.map((f) => `${f.impact} ${f.id} (${f.targets.length}): ${f.help}`).join("; ");
}
