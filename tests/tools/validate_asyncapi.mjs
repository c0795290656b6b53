// Validates AsyncAPI documents with the official parser (@asyncapi/parser).
// Usage: node validate_asyncapi.mjs file.json...  Prints one JSON line per file:
// {"file", "valid", "errors": [...], "warnings": n, "messages": n, "operations": n}
import { readFile } from 'node:fs/promises';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(file, 'utf8'));
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error)
    .map((d) => `${d.path.join('/')}: ${d.message}`);
  failed ||= errors.length > 0 || !document;
  console.log(JSON.stringify({
    file,
    valid: errors.length === 0 && Boolean(document),
    errors,
    warnings: diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning).length,
    messages: document ? document.allMessages().length : 0,
    operations: document ? document.operations().length : 0,
  }));
}
process.exit(failed ? 1 : 0);
