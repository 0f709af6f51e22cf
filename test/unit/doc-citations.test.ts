import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Comments cite `docs/<page>.md` and, often, a section by its name in quotes. A citation whose page
 * or section does not exist sends the next reader nowhere, so every one must resolve: the page
 * exists and has a heading, or a bold lead-in (`**Speed.**`), that contains the section's name.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SOURCES = ['lib', 'bin', 'local', 'functions', 'scripts'];
// A page, then optionally `, "Section"` or ` "Section"`; a comment may break the name over lines.
const CITATION = /docs\/([\w-]+\.md)(?:,?\s*(?:\*\s*)?"([^"]+)")?/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

/** A section name as a comment wrote it, with its line breaks and comment markers taken out. */
function sectionName(raw: string): string {
  return raw
    .replace(/\s*(\*|\/\/)\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function sectionsOf(page: string): string[] {
  const text = readFileSync(join(ROOT, 'docs', page), 'utf8');
  const headings = [...text.matchAll(/^#+\s+(.+)$/gm)].map((match) => match[1] ?? '');
  const leadIns = [...text.matchAll(/^(?:[-*]\s+)?\*\*([^*]+)\*\*/gm)].map((match) => match[1] ?? '');
  return [...headings, ...leadIns].map((name) => name.toLowerCase());
}

function citations(): Array<{ readonly file: string; readonly page: string; readonly section?: string }> {
  return SOURCES.flatMap((dir) => sourceFiles(join(ROOT, dir))).flatMap((path) =>
    [...readFileSync(path, 'utf8').matchAll(CITATION)].map((match) => ({
      file: relative(ROOT, path),
      page: match[1] ?? '',
      ...(match[2] === undefined ? {} : { section: sectionName(match[2]) }),
    })),
  );
}

describe('docs citations in the code', () => {
  const all = citations();

  it('are found (the scan reads the comments)', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((citation) => citation.section !== undefined).length).toBeGreaterThan(20);
  });

  it('each name a page in docs/ and a section that page has', () => {
    const broken = all.filter((citation) => {
      if (!existsSync(join(ROOT, 'docs', citation.page))) return true;
      const { section } = citation;
      return section !== undefined && !sectionsOf(citation.page).some((name) => name.includes(section));
    });
    expect(broken).toEqual([]);
  });

  it('would catch a page or a section that is not there', () => {
    expect(existsSync(join(ROOT, 'docs', 'callbacks.md'))).toBe(false);
    expect(sectionsOf('notify.md').some((name) => name.includes('no such section'))).toBe(false);
    expect(sectionsOf('notify.md').some((name) => name.includes(sectionName('Robot\n   * rotation')))).toBe(
      true,
    );
  });
});
