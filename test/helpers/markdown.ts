/** Reads the pipe tables of a markdown document: one object per row, keyed by header cell. */
import { readFileSync } from "node:fs";

/** Every table row of the file whose header has all `columns`, cells trimmed, `\|` unescaped. */
export function tableRows(path: string, columns: string[]): Record<string, string>[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const rows: Record<string, string>[] = [];
  let header: string[] | undefined;
  for (const line of lines) {
    if (!line.trimStart().startsWith("|")) {
      header = undefined;
      continue;
    }
    const cells = splitRow(line);
    if (!header) {
      header = cells;
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    if (!columns.every((c) => header!.includes(c))) continue;
    rows.push(Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])));
  }
  return rows;
}

function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

/** `code` → code; anything else unchanged. */
export function unquote(cell: string): string {
  const m = /^`([^`]*)`$/.exec(cell);
  return m ? m[1]! : cell;
}
