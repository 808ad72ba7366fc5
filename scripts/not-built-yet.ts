/**
 * Stands behind npm scripts whose part has not landed yet, so they fail with a message that says
 * where the work is tracked instead of a module-not-found stack trace.
 */
const [what, issue] = process.argv.slice(2);
console.error(`batch-ocr: ${what ?? "this command"} is not built yet (tracked in issue ${issue ?? "?"}).`);
process.exit(1);
