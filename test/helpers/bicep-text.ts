import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every .bicep file under `dir`, depth first. */
export function bicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? bicepFiles(join(dir, entry.name))
        : entry.name.endsWith('.bicep')
          ? [join(dir, entry.name)]
          : [],
    )
    .sort();
}

/**
 * Bicep text with comments removed and every string literal emptied (`''`), so that only code is left to
 * match: a `//` inside 'https://…' is no comment, a brace inside a string is no brace. Lines are kept.
 */
export function bicepCode(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (ch === "'") {
      i += 1;
      while (i < text.length && text[i] !== "'") i += text[i] === '\\' ? 2 : 1;
      i += 1;
      out += "''";
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}
