/**
 * The fidelity suite one client file runs: the classic proof of concept end to end, then the
 * refusals, against its own local cloud. Each client supplies only how it drives the service.
 */
import { useLocalCloud } from "./local-cloud-fixture";
import {
  BatchConnection,
  PocErrors,
  PocOutcome,
  PocPlan,
  expectPocErrors,
  expectPocOutcome,
  pocPlan,
} from "./poc-outcome";

export interface FidelityClient {
  /** Short id; also prefixes the pool and job ids. */
  name: string;
  title: string;
  runPoc(conn: BatchConnection, plan: PocPlan, waitMs: number): Promise<PocOutcome>;
  runErrors(conn: BatchConnection, plan: PocPlan): Promise<PocErrors>;
}

/** Per wait (pool ready, tasks done): generous, because two test files share two cores. */
const WAIT_MS = 45_000;

export function describeFidelity(client: FidelityClient): void {
  describe(`${client.title} against the local Batch service`, () => {
    const connection = useLocalCloud(client.name);
    const plan = pocPlan(client.name);

    test(
      "runs the classic proof of concept: pool, job, numbered tasks over both nodes, show, files, stdout.txt",
      async () => {
        expectPocOutcome(await client.runPoc(connection(), plan, WAIT_MS), plan);
      },
      2 * WAIT_MS + 30_000,
    );

    test("reports JobNotFound for a missing job and 403 AuthenticationFailed for a wrong key", async () => {
      expectPocErrors(await client.runErrors(connection(), plan));
    }, 60_000);
  });
}
