/**
 * The program a Batch task runs from the application package.
 *
 * Until the OCR worker lands (issue 4), this is the classic Azure Batch proof of concept: it
 * prints the node's Batch environment, so a deployed pool can be checked end to end.
 */
const batchVars = Object.entries(process.env)
  .filter(([name]) => name.startsWith("AZ_BATCH_"))
  .sort(([a], [b]) => a.localeCompare(b));

console.log(`batch-ocr worker (proof of concept) on node ${process.env.AZ_BATCH_NODE_ID ?? "(not on Batch)"}`);
for (const [name, value] of batchVars) console.log(`${name}=${value}`);
