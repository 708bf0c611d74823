/**
 * The documentation's relative links resolve: every link in README.md, docs/*.md and
 * bench/RESULTS.md names a file that exists, and a `#fragment` names a heading of the target
 * file by its GitHub slug. Also holds the README to its size budget (issue 11).
 *
 * The parser is deliberately small: ATX headings and inline links outside fenced code blocks
 * and code spans, reference definitions, and GitHub's slug rule (github-slugger: lower-case,
 * drop everything but letters, marks, numbers, connector punctuation, spaces and hyphens,
 * spaces become hyphens, repeats get `-1`, `-2`, …).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const README_MAX_BYTES = 15 * 1024

/** The markdown files the docs consist of, as absolute paths. */
function markdownFiles (): string[] {
  const docs = join(ROOT, 'docs')
  const pages = readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => join(docs, name))
  return [join(ROOT, 'README.md'), ...pages, join(ROOT, 'bench', 'RESULTS.md')]
}

/** Lines outside fenced code blocks (``` or ~~~), with their 1-based line numbers. */
function proseLines (markdown: string): Array<{ line: number, text: string }> {
  const out: Array<{ line: number, text: string }> = []
  let fence: string | null = null
  for (const [i, text] of markdown.split('\n').entries()) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)
    if (marker !== null) {
      const run = marker[1] as string
      if (fence === null) fence = run
      else if (run[0] === fence[0] && run.length >= fence.length) fence = null
      continue
    }
    if (fence === null) out.push({ line: i + 1, text })
  }
  return out
}

/** GitHub's anchor for a heading's text (github-slugger), before de-duplication. */
function githubSlug (heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase()
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
}

/** Every anchor a file's headings produce, repeats numbered as GitHub numbers them. */
function anchorsOf (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)
    if (heading === null) continue
    const base = githubSlug(heading[1] as string)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** Relative link targets of a file (inline links and reference definitions), code excluded. */
function linksOf (markdown: string): Array<{ line: number, target: string }> {
  const links: Array<{ line: number, target: string }> = []
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/(`+)[\s\S]*?\1/g, '') // code spans
    for (const match of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line, target: match[1] as string })
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(prose)
    if (definition !== null) links.push({ line, target: definition[1] as string })
  }
  return links.filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
}

test('GitHub slugs follow github-slugger', async (t) => {
  t.equal(githubSlug('`GET /reports/network-usage`'), 'get-reportsnetwork-usage')
  t.equal(githubSlug('ClickHouse layout: FrameWorks\' own'), 'clickhouse-layout-frameworks-own')
  t.equal(githubSlug('Figures (2026-12-01)'), 'figures-2026-12-01')
  t.equal(githubSlug('Store and relay'), 'store-and-relay')
  t.equal(githubSlug('Options of `createRelay`'), 'options-of-createrelay')
  t.equal(githubSlug('snake_case stays'), 'snake_case-stays')
})

test('the README stays within 15 KB', async (t) => {
  const bytes = statSync(join(ROOT, 'README.md')).size
  t.ok(bytes <= README_MAX_BYTES, `README.md is ${bytes} bytes, the budget is ${README_MAX_BYTES}`)
})

test('the docs index lists every page in docs/', async (t) => {
  const index = readFileSync(join(ROOT, 'docs', 'README.md'), 'utf8')
  const listed = new Set(linksOf(index).map(({ target }) => target.split('#')[0]))
  for (const page of readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
    t.ok(listed.has(page), `docs/README.md links ${page}`)
  }
})

test('every relative link in README.md, docs/ and bench/RESULTS.md resolves', async (t) => {
  const anchorCache = new Map<string, Set<string>>()
  const anchors = (file: string): Set<string> => {
    let found = anchorCache.get(file)
    if (found === undefined) {
      found = anchorsOf(readFileSync(file, 'utf8'))
      anchorCache.set(file, found)
    }
    return found
  }
  const problems: string[] = []
  let checked = 0
  for (const file of markdownFiles()) {
    const name = relative(ROOT, file)
    for (const { line, target } of linksOf(readFileSync(file, 'utf8'))) {
      checked++
      const hash = target.indexOf('#')
      const path = decodeURI(hash === -1 ? target : target.slice(0, hash))
      const fragment = hash === -1 ? '' : decodeURIComponent(target.slice(hash + 1))
      const resolved = path === '' ? file : resolve(dirname(file), path)
      if (!existsSync(resolved)) {
        problems.push(`${name}:${line}: ${target}: no such file ${relative(ROOT, resolved)}`)
      } else if (fragment !== '' && !resolved.endsWith('.md')) {
        problems.push(`${name}:${line}: ${target}: a fragment on a file that is not markdown`)
      } else if (fragment !== '' && !anchors(resolved).has(fragment)) {
        problems.push(`${name}:${line}: ${target}: no heading #${fragment} in ${relative(ROOT, resolved)}`)
      }
    }
  }
  t.same(problems, [], 'every link resolves')
  t.ok(checked > 0, `${checked} links checked`)
})
