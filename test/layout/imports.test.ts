import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import ts from 'typescript'

// The layout's one rule on arrows: the database layers sit below capture and the routes,
// so nothing in src/clickhouse/ or src/store/ may import from src/plugin/ or src/routes/.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = join(ROOT, 'src')
const LOWER = ['clickhouse', 'store']
const UPPER = ['plugin', 'routes']

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : []
  })
}

/** Every module specifier a file names: imports, re-exports, dynamic `import()` and `import type`. */
function specifiers (file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const out: string[] = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return out
}

/** The first folder below src/ of a path, or null outside src/. */
function roomOf (path: string): string | null {
  const rel = relative(SRC, path)
  return rel.startsWith('..') || !rel.includes('/') ? null : rel.split('/')[0]!
}

/** `from → to` for every import from a lower room into an upper one; `read` gives a file's text. */
function violations (files: readonly string[], read = (file: string): string => readFileSync(file, 'utf8')): string[] {
  const out: string[] = []
  for (const file of files) {
    if (!LOWER.includes(roomOf(file) ?? '')) continue
    for (const spec of specifiers(file, read(file))) {
      if (!spec.startsWith('.')) continue
      const target = roomOf(resolve(dirname(file), spec))
      if (target !== null && UPPER.includes(target)) out.push(`${relative(ROOT, file)} → ${spec}`)
    }
  }
  return out
}

test('nothing in src/clickhouse/ or src/store/ imports from src/plugin/ or src/routes/', async (t) => {
  const files = sourceFiles(SRC)
  t.ok(files.some((f) => roomOf(f) === 'clickhouse') && files.some((f) => roomOf(f) === 'store'), 'the lower rooms are read')
  t.same(violations(files), [])
})

test('the check sees every kind of import that would break the rule', async (t) => {
  // Each form, as the text of a file in src/store/ and in src/clickhouse/, is caught.
  const forms = [
    "import { x } from '../plugin/touch.ts'",
    "import type { Y } from '../routes/reports/index.ts'",
    "export { z } from '../plugin/params.ts'",
    "const m = await import('../routes/operator-auth.ts')",
    "type T = import('../plugin/options.ts').CaptureSettings"
  ]
  for (const room of LOWER) {
    const fake = join(SRC, room, 'fake.ts')
    for (const form of forms) t.equal(violations([fake], () => form).length, 1, `${room}: ${form}`)
    t.same(violations([fake], () => "import { y } from '../shared/normalize.ts'"), [], `${room}: an import from below is fine`)
  }
})

// One concept per module: no file under src/ over 300 lines, but the channel rule table
// (a table of rules, read as one) and generated files (none today).
const MAX_LINES = 300
const EXEMPT = new Set(['shared/channel.ts'])

test(`no file under src/ is over ${MAX_LINES} lines but the rule table`, async (t) => {
  const long = sourceFiles(SRC)
    .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_LINES && !EXEMPT.has(f.file))
  t.same(long, [], 'files over the limit')
})
