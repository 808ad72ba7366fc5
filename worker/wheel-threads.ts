/**
 * Seeing wheels (see-wheels.ts) in a worker thread per shard. It is most of a photo's JavaScript,
 * and on the main thread every shard's share of it ran one after another, so a second core sped up
 * only ImageMagick and Tesseract. The thread is this module's own file: the bundle on a node
 * (worker.js, which starts its command line only on the main thread), or this TypeScript file
 * under tsx or jest, loaded through tsx's require hook since Node 20 gives a thread no loader.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { MeterProfile } from "../contracts/meter-profile";
import { failed, type Outcome } from "./outcome";
import { seeWheels, type WheelsSeen } from "./see-wheels";

const ROLE = "batch-ocr: see wheels";

interface Job {
  images: string[];
  meter: MeterProfile | undefined;
}

type Seen = WheelsSeen | Outcome;

function startThread(): Worker {
  const options = { workerData: { role: ROLE } };
  if (!__filename.endsWith(".ts")) return new Worker(__filename, options);
  const hook = require.resolve("tsx/cjs/api");
  return new Worker(`require(${JSON.stringify(hook)}).register(); require(${JSON.stringify(__filename)});`, {
    ...options,
    eval: true,
  });
}

/**
 * Each prepared image's wheels, in order, seen in a thread that ends with the call. A thread that
 * dies gives every photo of its shard a failed outcome saying so, as an exception inside it would.
 */
export function seeWheelsInThread(images: string[], meter: MeterProfile | undefined): Promise<Seen[]> {
  if (images.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const thread = startThread();
    let settled = false;
    const settle = (seen: Seen[]) => {
      if (settled) return;
      settled = true;
      resolve(seen);
      void thread.terminate();
    };
    const lost = (why: string) => settle(images.map(() => failed(`cannot find the counter's wheels: ${why}`)));
    thread.once("message", (seen: Seen[]) => settle(seen));
    thread.once("error", (err) => lost(`its thread failed: ${err.message}`));
    thread.once("exit", (code) => lost(`its thread exited with code ${code}`));
    thread.postMessage({ images, meter } satisfies Job);
  });
}

async function serve(job: Job): Promise<Seen[]> {
  const seen: Seen[] = [];
  for (const image of job.images) seen.push(await seeWheels(image, job.meter));
  return seen;
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE)
  parentPort?.once("message", (job: Job) => {
    void serve(job).then((seen) => parentPort?.postMessage(seen));
  });
